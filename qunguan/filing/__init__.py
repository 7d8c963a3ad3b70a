"""The filing form (备案登记表): the regulation's annex, filled from the registry, as XLSX or DOCX.

``do_export_filing`` is imported lazily: Django imports this package while it loads the apps,
before the registry's models may be imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qunguan.filing.actions import do_export_filing

__all__ = ["do_export_filing"]


def __getattr__(name: str) -> Any:
    if name == "do_export_filing":
        from qunguan.filing.actions import do_export_filing

        return do_export_filing
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
