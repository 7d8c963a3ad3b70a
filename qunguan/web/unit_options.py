"""The unit filter's options read as plain rows, for the hot list pages of a large school.

``forms.UnitChoiceField`` labels each option from a ``Unit`` instance ("　　作曲2023级1班（班级）").
With 1,500 units (every class is one) building those instances and their labels was about half
of the supervisor's registry list and review queue. ``use_plain_unit_options`` gives the field a
widget with the same options — same values, labels and order — from one ``values_list`` query,
rendered as one string join (``PlainUnitSelect``): Django's per-option ``format_html`` and the
normalisation of 1,500 choices cost more than the rest of the page. The field itself still
validates against its scoped queryset, so nothing outside the user's scope can be chosen.
``tests/scale`` holds the HTML equal to the field's own rendering.

In a large school (``breaches.is_large_school``) the options change only when a unit does, so
each process keeps them, rendered, per scope (the queryset's SQL): a supervisor's 1,500 options
cost about 5 ms a list page to read and join. The unit actions call ``units_changed``, which
writes a new version to the cache the web processes share (``checks``, a file in the data
directory); a process reads that version on each page (one small file) and renders again when it
differs. A unit written some other way (the scale generator, a restore) shows within
``RECHECK_SECONDS``. A smaller school reads its few units on each page, as before.
"""

from __future__ import annotations

import time
import uuid
from html import escape
from typing import Any

from django.core.cache import caches
from django.db import transaction
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from qunguan.registry.models import UnitKind
from qunguan.web.breaches import is_large_school
from qunguan.web.forms import FastSelect

# The shared cache that carries the unit tree's version between the web processes.
CACHE_ALIAS = "checks"
VERSION_KEY = "unit-options-version"
# A process renders a scope's options again at least this often, whatever the version says.
RECHECK_SECONDS = 60.0
# Scopes kept per process (a supervisor's and the liaisons' of a few dozen units each).
MAX_SCOPES = 256


def units_changed() -> None:
    """Make every process render the unit options again (the unit actions call it).

    The version is written at once, so that this transaction's own pages see the change, and
    again after the commit, so that no process keeps options it read before the commit under
    the new version.
    """

    def bump() -> None:
        caches[CACHE_ALIAS].set(VERSION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


# This process's rendered options: (version, scope SQL) → (when rendered, options, their HTML).
_rendered: dict[tuple[Any, str], tuple[float, list[tuple[str, str]], str]] = {}


def clear_cache() -> None:
    """Forget this process's rendered options (tests)."""
    _rendered.clear()


def _depth(path: str) -> int:
    # as ``Unit.depth``
    return max(path.count("/") - 2, 0)


class PlainUnitSelect(FastSelect):
    """``FastSelect`` over options given as plain ``(value, label)`` strings.

    Renders the same HTML as ``FastSelect`` (``escape`` is what Django's own ``escape`` does to a
    plain string) in one join, without a ``format_html`` call or a lazy wrapper per option.
    """

    def __init__(
        self, attrs: dict[str, Any] | None, options: list[tuple[str, str]], joined: str | None = None
    ) -> None:
        super().__init__(attrs)
        self.plain_options = options
        # The options' HTML with none selected, when the caller has it already (``_rendered``).
        self._joined = joined

    def use_required_attribute(self, initial: Any) -> bool:
        # as ``Select``: no ``required`` unless the first option is the empty one
        if self.is_hidden or not self.is_required:
            return False
        return bool(self.plain_options) and self.plain_options[0][0] == ""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = {"" if v is None else str(v) for v in self.format_value(value)}
        options = self.joined()
        for key in chosen:
            # values are unique, and the closing quote keeps "5" from matching "55"
            opening = f'<option value="{escape(key)}">'
            options = options.replace(opening, f"{opening[:-1]} selected>", 1)
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt({k: v for k, v in final.items() if v is not None}),
            mark_safe(options),  # noqa: S308 — every value and label escaped in ``joined``
        )

    def joined(self) -> str:
        """Return the options' HTML with none selected."""
        if self._joined is None:
            self._joined = _join(self.plain_options)
        return self._joined


def _join(options: list[tuple[str, str]]) -> str:
    return "".join([f'<option value="{escape(key)}">{escape(label)}</option>' for key, label in options])


def _unit_options(queryset: Any) -> list[tuple[str, str]]:
    kinds = dict(UnitKind.choices)
    return [
        (str(pk), "　" * _depth(path) + f"{name}（{kinds.get(kind, kind)}）")
        for pk, name, kind, path in queryset.values_list("pk", "name", "kind", "path")
    ]


def _cached_unit_options(queryset: Any) -> tuple[list[tuple[str, str]], str]:
    """Return the units of ``queryset`` as options and their HTML (none selected), rendered at
    most once per version of the unit tree and scope in this process."""
    version = caches[CACHE_ALIAS].get(VERSION_KEY)
    key = (version, f"{queryset.db}:{queryset.query}")
    now = time.monotonic()
    hit = _rendered.get(key)
    if hit is not None and now - hit[0] < RECHECK_SECONDS:
        return hit[1], hit[2]
    options = _unit_options(queryset)
    html = _join(options)
    if len(_rendered) >= MAX_SCOPES or any(v != version for v, _sql in _rendered):
        _rendered.clear()
    _rendered[key] = (now, options, html)
    return options, html


def use_plain_unit_options(field: Any) -> None:
    """Give ``field`` (a ``UnitChoiceField``) a ``PlainUnitSelect`` of its queryset's units."""
    if is_large_school():
        units, html = _cached_unit_options(field.queryset)
    else:
        units = _unit_options(field.queryset)
        html = _join(units)
    if field.empty_label is not None:
        empty = ("", str(field.empty_label))
        options, html = [empty, *units], _join([empty]) + html
    else:
        options = units
    widget = PlainUnitSelect(field.widget.attrs, options, html)
    widget.is_required = field.widget.is_required
    field.widget = widget
