"""消息检索: full-text search over the stored messages of the user's groups, shown masked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qunguan.chats import access, search
from qunguan.chats.models import ImportBatch, ImportState
from qunguan.registry import access as registry_access
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group
from qunguan.web.views.common import paginate, query_without

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class SearchForm(forms.Form):
    q = forms.CharField(label="检索词", max_length=search.QUERY_MAX_CHARS, required=False)
    group = forms.ModelChoiceField(
        label="群组", queryset=Group.objects.none(), required=False, empty_label="全部"
    )
    date_from = forms.DateField(label="发送日期自", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="至", required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field: Any = self.fields["group"]
        group_field.queryset = registry_access.visible_groups(user).order_by("name")


@login_required
def message_search(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.can_see_findings(user):
        raise PermissionDenied("您没有可检索的群组消息。")
    form = SearchForm(request.GET or None, user=user)
    hits: list[search.Hit] = []
    page = None
    error = ""
    query = ""
    if form.is_valid() and form.cleaned_data.get("q", "").strip():
        data = form.cleaned_data
        query = data["q"].strip()
        if not ImportBatch.objects.filter(state=ImportState.RUNNING).exists():
            # Index what was imported since; during an import the scan of the tail finds it.
            search.catch_up(search.CATCH_UP_ON_SEARCH)
        try:
            qs = search.search_messages(
                user,
                query,
                group=data.get("group"),
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        except RegistryError as err:
            error = err.message
        else:
            page = paginate(request, qs.select_related("group").prefetch_related("findings"))
            hits = [search.hit(m, query) for m in page.object_list]
    return render(
        request,
        "web/message_search.html",
        {
            "form": form,
            "hits": hits,
            "page": page,
            "searched": page is not None,
            "error": error,
            "q": query,
            "query": query_without(request, "page"),
        },
    )


__all__ = ["message_search"]
