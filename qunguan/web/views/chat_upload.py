"""上传聊天记录: a unit manager uploads chat exports; each is imported in the request.

Below the form, the import history (导入记录): every import the user may see
(``chats.access.visible_import_batches``) — uploads and ``qunguan import`` runs alike — with its
state, counts and, for the one who ran it, the rejects file.

The import is ``chats.actions.do_import_chat_file`` — the CLI's own, with its audit entry — over a
copy of the upload in the data directory. Files up to ``QUNGUAN_CHAT_UPLOAD_MAX_BYTES`` each (10
per upload) are imported while the page waits; larger ones go through ``qunguan import``.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from qunguan.chats import access as chat_access
from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import ImportBatch
from qunguan.ingest import formats as chat_formats
from qunguan.ingest.formats import FormatError
from qunguan.registry import access
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group, GroupStatus
from qunguan.web.upload_names import unsafe_upload_names
from qunguan.web.views.common import require_some_managed_unit

MAX_FILES = 10
HISTORY_PER_PAGE = 20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class ChatUploadForm(forms.Form):
    exports = MultipleFileField(
        label=gettext_lazy("聊天记录文件"),
        widget=MultipleFileInput(),
        help_text=gettext_lazy("可一次选择多个文件；格式自动识别（QQ、微信、企业微信、OneBot 等导出文件）。"),
    )
    group = forms.ModelChoiceField(
        label=gettext_lazy("所属群组"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=gettext_lazy("按文件中的群号识别"),
        help_text=gettext_lazy("文件中没有群号时（如 QQ 电脑版导出的 txt），记录归入所选群组。"),
    )
    format = forms.ChoiceField(label=gettext_lazy("格式"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field: Any = self.fields["group"]
        group_field.queryset = (
            Group.objects.filter(unit__in=access.managed_units(user))
            .exclude(status=GroupStatus.DISSOLVED)
            .select_related("unit")
            .order_by("unit__path", "name")
        )
        format_field: Any = self.fields["format"]
        format_field.choices = [
            ("", gettext_lazy("自动识别")),
            *((n, n) for n in sorted(chat_formats.FORMATS)),
        ]

    def clean_exports(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["exports"]
        limit = settings.QUNGUAN_CHAT_UPLOAD_MAX_BYTES
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"一次最多上传 {MAX_FILES} 个文件，您选择了 {len(files)} 个。")
        for f in files:
            if (f.size or 0) > limit:
                raise forms.ValidationError(
                    f"文件“{f.name}”有 {_mib(f.size or 0)}，超过网页上传的上限 {_mib(limit)}；"
                    "请由管理员用 qunguan import 命令导入。"
                )
        return files


def _mib(n: int) -> str:
    """Return a size as people read it: "20.0 MB", or bytes below a tenth of a megabyte."""
    return f"{n / (1024 * 1024):.1f} MB" if n >= 104858 else f"{n} 字节"


def _safe_name(name: str) -> str:
    """Return the upload's base name with nothing that could leave its folder."""
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", base)[:120] or "chat-export"


def _import_one(user: Any, upload: UploadedFile, group: Group | None, fmt: str) -> dict[str, Any]:
    folder = Path(settings.DATA_DIR) / "uploads" / "chats" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe_name(upload.name or "")
    try:
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        summary = do_import_chat_file(user, path, format_name=fmt or None, group=group)
    except FormatError as exc:
        return {"name": upload.name, "error": str(exc)}
    except RegistryError as exc:
        return {"name": upload.name, "error": exc.message}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "name": upload.name,
        "batch": summary.batch,
        "unregistered": summary.as_dict()["unregistered_groups"],
    }


@login_required
def chat_upload(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_some_managed_unit(user)
    form = ChatUploadForm(request.POST or None, request.FILES or None, user=user)
    results: list[dict[str, Any]] = []
    if request.method == "POST":
        # A name sent with a path is refused (with every other file of the upload), not cut short.
        for name in unsafe_upload_names(request):
            form.add_error(
                "exports",
                f"文件名“{name}”含有路径（“../”、以“/”开头的绝对路径、反斜杠或盘符），未导入任何文件；"
                "请把文件改为不含路径的名称后重新上传。",
            )
    if request.method == "POST" and form.is_valid():
        group = form.cleaned_data["group"]
        for upload in form.cleaned_data["exports"]:
            results.append(_import_one(user, upload, group, form.cleaned_data["format"]))
        form = ChatUploadForm(user=user)
    # The history below the form: the latest imports first, each with its state and counts.
    history = Paginator(
        chat_access.visible_import_batches(user)
        .select_related("group", "started_by")
        .order_by("-started_at", "-pk"),
        HISTORY_PER_PAGE,
    ).get_page(request.GET.get("page"))
    history_rows = [
        {"batch": b, "rejects": bool(b.rejects_file) and chat_access.can_download_rejects(user, b)}
        for b in history.object_list
    ]
    return render(
        request,
        "web/chat_upload.html",
        {
            "form": form,
            "results": results,
            "page": history,
            "history": history_rows,
            "limit": _mib(settings.QUNGUAN_CHAT_UPLOAD_MAX_BYTES),
            "max_files": MAX_FILES,
        },
    )


@login_required
def chat_import_rejects(request: HttpRequest, batch_id: int) -> FileResponse:
    """The rejects file of an import: to the one who ran it, and to the supervisor."""
    user = request.user
    try:
        batch = ImportBatch.objects.get(pk=int(batch_id))
    except (ImportBatch.DoesNotExist, ValueError, OverflowError):
        raise Http404("导入记录不存在。") from None
    if not chat_access.can_download_rejects(user, batch):
        raise Http404("导入记录不存在。")
    path = Path(batch.rejects_file) if batch.rejects_file else None
    if path is None or not path.is_file():
        raise Http404("这次导入没有无法读取的记录。")
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"{Path(batch.file_name).stem}-无法读取.txt"
    )
