import os
import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction


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
