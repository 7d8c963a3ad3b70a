"""Views of the web UI: parse (forms), access (``qunguan.registry.access``), act (``do_*``), render."""
