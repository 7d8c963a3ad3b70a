"""Pages of a long list whose total is counted only up to a cap (the review queue, 审查队列).

Django's ``Paginator`` counts every row a filter matches on each page view: at a school's volume
of findings that is tens of thousands of index entries per request, and it grows with every
message stored. ``CappedPaginator`` counts at most ``COUNT_CAP + 1`` rows. Up to the cap it is
Django's paginator, figures and all. Above it the list says "超过 10,000 条", a page is read with
one row more than it shows (to know whether a next page exists), any page number can still be
asked for, and there is no "last page" link: a reviewer narrows the list with its filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Rows counted at most; above it a list shows "超过 10,000 条".
COUNT_CAP = 10_000


def capped_count(qs: QuerySet[Any], cap: int | None = None) -> tuple[int, bool]:
    """Return ``(count, capped)``: the rows of ``qs`` counted up to ``cap`` (default ``COUNT_CAP``).

    When more rows match, returns ``(cap, True)``. The query reads at most ``cap + 1`` rows and
    leaves out the ordering, which a count does not need.
    """
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by()[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


class CappedPage(Page):
    """A page of a capped list: whether a next page exists is read, not computed from a total."""

    def __init__(self, object_list: Sequence[Any], number: int, paginator: Paginator, more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class CappedPaginator(Paginator):
    """A ``Paginator`` over a queryset that counts it only up to ``COUNT_CAP`` (see the module)."""

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        qs: QuerySet[Any] = self.object_list  # type: ignore[assignment]  # a queryset, as the class says
        return capped_count(qs)

    @cached_property
    def count(self) -> int:
        """The rows of the list, or ``COUNT_CAP`` when there are more (then ``capped`` is true)."""
        return self._counted[0]

    @property
    def capped(self) -> bool:
        """Whether the list has more than ``COUNT_CAP`` rows."""
        return self._counted[1]

    @property
    def cap_label(self) -> str:
        """The cap as the page shows it: "10,000"."""
        return f"{COUNT_CAP:,}"

    def validate_number(self, number: Any) -> int:
        if not self.capped:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("页码不是整数。") from None
        if number < 1:
            raise EmptyPage("页码小于 1。")
        return number

    def page(self, number: Any) -> Page:
        if not self.capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("该页没有结果。")
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number: Any) -> Page:
        if not self.capped:
            return super().get_page(number)
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            # past the end of a list too long to count: its first page, not a last one to compute
            return self.page(1)
