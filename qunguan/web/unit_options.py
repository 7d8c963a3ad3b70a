"""The unit filter's options read as plain rows, for the hot list pages of a large school.

``forms.UnitChoiceField`` labels each option from a ``Unit`` instance ("　　作曲2023级1班（班级）").
With 1,500 units (every class is one) building those instances and their labels was about half
of the supervisor's registry list and review queue. ``use_plain_unit_options`` gives the field's
widget the same options — same values, labels and order — from one ``values_list`` query; the
field itself still validates against its scoped queryset, so nothing outside the user's scope
can be chosen. ``tests/scale`` holds the HTML equal to the field's own rendering.
"""

from __future__ import annotations

from typing import Any

from qunguan.registry.models import UnitKind


def _depth(path: str) -> int:
    # as ``Unit.depth``
    return max(path.count("/") - 2, 0)


def use_plain_unit_options(field: Any) -> None:
    """Set ``field``'s (a ``UnitChoiceField``) widget options from one query of its queryset."""
    kinds = dict(UnitKind.choices)
    options: list[tuple[Any, str]] = []
    if field.empty_label is not None:
        options.append(("", field.empty_label))
    for pk, name, kind, path in field.queryset.values_list("pk", "name", "kind", "path"):
        options.append((pk, "　" * _depth(path) + f"{name}（{kinds.get(kind, kind)}）"))
    field.widget.choices = options
