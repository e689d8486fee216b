import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages


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
    from django.core.files.base import ContentFile

    old_name = fieldfile.name or None
    fieldfile.save(filename, ContentFile(content), save=False)
    return old_name if old_name != fieldfile.name else None


def delete_on_commit(fieldfile) -> None:
    """Delete the file once the transaction that stops pointing at it commits.
    On rollback the row still points at it, so it must still be there."""
    from django.db import transaction

    if fieldfile:
        storage, name = fieldfile.storage, fieldfile.name
        transaction.on_commit(lambda: storage.delete(name))
