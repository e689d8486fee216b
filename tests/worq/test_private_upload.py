import pytest

from consultations.models import EngagementEvidence
from kyosai.models import ClaimDocument, Document
from worq.lib.storage import PrivateFileSystemStorage, PrivateUpload, private_upload_path


@pytest.mark.parametrize(
    "model, folder",
    [
        (Document, "kyosai/documents"),
        (ClaimDocument, "kyosai/claims"),
        (EngagementEvidence, "consultations/evidence"),
    ],
)
def test_every_private_upload_has_the_one_shape_and_keeps_its_folder(model, folder):
    assert issubclass(model, PrivateUpload)
    assert {"file", "original_name", "content_type", "size", "uploaded_at"} <= {
        f.name for f in model._meta.fields
    }
    # The folder each model used before the shared model: old and new files live side by side.
    assert private_upload_path(model(), "1-x.pdf") == f"{folder}/1-x.pdf"
    assert isinstance(model._meta.get_field("file").storage, PrivateFileSystemStorage)
    assert model._meta.ordering == ["uploaded_at", "id"]
