"""Checks shared by every place that accepts an uploaded file (no models, no views)."""
