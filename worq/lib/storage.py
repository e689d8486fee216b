import os
import re

from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import models, transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone


class PrivateFileSystemStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT`` with no URL: ``url()`` refuses."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def private_storage() -> Storage:
    """Files that must never have a public URL (member cards, certificates,
    uploads). Served only by views that check who is asking."""
    return storages["private"]


def replace_file(fieldfile, filename: str, content: bytes) -> str | None:
    """Store ``content`` in ``fieldfile`` (not saving the model) and return the
    name of the file it replaces, to delete after the row is saved. The old file
    stays until then, so a reader never finds the row pointing at nothing."""

    old_name = fieldfile.name or None
    fieldfile.save(filename, ContentFile(content), save=False)
    return old_name if old_name != fieldfile.name else None


# Uploads are stored and served under names we make, with the extension of
# the type sniffed from their bytes, never the name the browser sent.
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
# Bidirectional overrides and isolates ("cod\u202eexe.pdf" shows as "codfdp.exe"),
# other invisible format characters and control characters.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def extension_for(content_type: str) -> str:
    return EXTENSIONS[content_type]


def display_name(name: str, *, max_length: int = 200) -> str:
    """The browser's file name, kept only to show staff: path parts and
    direction-changing or invisible characters removed."""
    name = _UNSAFE_CHARACTERS.sub("", name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:max_length] or "file"


def download_name(stem: str, content_type: str) -> str:
    """A safe file name for Content-Disposition: our own stem, the sniffed extension."""
    stem = re.sub(r"[^\w\-]+", "-", _UNSAFE_CHARACTERS.sub("", stem)).strip("-") or "file"
    return f"{stem[:80]}.{extension_for(content_type)}"


def delete_on_commit(fieldfile) -> None:
    """Delete the file once the transaction that stops pointing at it commits.
    On rollback the row still points at it, so it must still be there."""

    if fieldfile:
        storage, name = fieldfile.storage, fieldfile.name
        transaction.on_commit(lambda: storage.delete(name))


def private_upload_path(instance, filename: str) -> str:
    """``upload_to`` of a PrivateUpload: the model's own folder, our own file name."""
    return f"{instance.UPLOAD_FOLDER}/{filename}"


class PrivateUpload(models.Model):
    """A file a person sent, stored privately (no public URL), named by us with
    the extension of the type sniffed from its bytes. The browser's file name is
    kept only to show (``display_name``). Subclasses set ``UPLOAD_FOLDER`` and
    add the object the file belongs to."""

    UPLOAD_FOLDER = "uploads"

    file = models.FileField("ファイル", storage=private_storage, upload_to=private_upload_path)
    original_name = models.CharField("元のファイル名", max_length=200)
    content_type = models.CharField("種類（MIME）", max_length=40)
    size = models.PositiveIntegerField("大きさ（バイト）")
    uploaded_at = models.DateTimeField("アップロード日時", default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    def store(self, upload, *, stem: str, content_type: str, now) -> str | None:
        """Put ``upload`` (checked by the form; ``content_type`` sniffed from its
        bytes) in ``file`` as ``<stem>.<extension>``, without saving the row.
        Returns the name of a file it replaces, to delete once the row is saved."""
        upload.seek(0)
        old_name = replace_file(self.file, f"{stem}.{extension_for(content_type)}", upload.read())
        self.original_name = display_name(upload.name)
        self.content_type = content_type
        self.size = upload.size
        self.uploaded_at = now
        return old_name


# --- Serving private files -----------------------------------------------------------
def upload_response(upload: PrivateUpload, *, stem: str, inline_images: bool = False) -> FileResponse:
    """A private upload for the person allowed to see it (the caller checked
    who): under our own name ``<stem>.<extension>``, never the browser's.
    ``inline_images`` lets a photo open in the browser; PDFs always download."""
    return FileResponse(
        upload.file.open("rb"),
        as_attachment=not (inline_images and upload.content_type.startswith("image/")),
        filename=download_name(stem, upload.content_type),
        content_type=upload.content_type,
    )


def generated_pdf_response(request, fieldfile, *, filename: str, waiting: str) -> HttpResponse:
    """A PDF a Celery task makes (会員証, 加入証明書): the file once it exists;
    until then a message saying it is being made, back on マイページ."""
    if not fieldfile:
        messages.info(request, waiting)
        return redirect("members:mypage")
    return FileResponse(
        fieldfile.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )
