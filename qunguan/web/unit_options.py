"""The unit filter's options read as plain rows, for the hot list pages of a large school.

``forms.UnitChoiceField`` labels each option from a ``Unit`` instance ("　　作曲2023级1班（班级）").
With 1,500 units (every class is one) building those instances and their labels was about half
of the supervisor's registry list and review queue. ``use_plain_unit_options`` gives the field a
widget with the same options — same values, labels and order — from one ``values_list`` query,
rendered as one string join (``PlainUnitSelect``): Django's per-option ``format_html`` and the
normalisation of 1,500 choices cost more than the rest of the page. The field itself still
validates against its scoped queryset, so nothing outside the user's scope can be chosen.
``tests/scale`` holds the HTML equal to the field's own rendering.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from qunguan.registry.models import UnitKind
from qunguan.web.forms import FastSelect


def _depth(path: str) -> int:
    # as ``Unit.depth``
    return max(path.count("/") - 2, 0)


class PlainUnitSelect(FastSelect):
    """``FastSelect`` over options given as plain ``(value, label)`` strings.

    Renders the same HTML as ``FastSelect`` (``escape`` is what Django's own ``escape`` does to a
    plain string) in one join, without a ``format_html`` call or a lazy wrapper per option.
    """

    def __init__(self, attrs: dict[str, Any] | None, options: list[tuple[str, str]]) -> None:
        super().__init__(attrs)
        self.plain_options = options

    def use_required_attribute(self, initial: Any) -> bool:
        # as ``Select``: no ``required`` unless the first option is the empty one
        if self.is_hidden or not self.is_required:
            return False
        return bool(self.plain_options) and self.plain_options[0][0] == ""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = {"" if v is None else str(v) for v in self.format_value(value)}
        options = "".join(
            [
                f'<option value="{escape(key)}"{" selected" if key in chosen else ""}>{escape(label)}</option>'
                for key, label in self.plain_options
            ]
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt({k: v for k, v in final.items() if v is not None}),
            mark_safe(options),  # noqa: S308 — every value and label escaped just above
        )


def use_plain_unit_options(field: Any) -> None:
    """Give ``field`` (a ``UnitChoiceField``) a ``PlainUnitSelect`` of its queryset's units."""
    kinds = dict(UnitKind.choices)
    options: list[tuple[str, str]] = []
    if field.empty_label is not None:
        options.append(("", str(field.empty_label)))
    for pk, name, kind, path in field.queryset.values_list("pk", "name", "kind", "path"):
        options.append((str(pk), "　" * _depth(path) + f"{name}（{kinds.get(kind, kind)}）"))
    widget = PlainUnitSelect(field.widget.attrs, options)
    widget.is_required = field.widget.is_required
    field.widget = widget
