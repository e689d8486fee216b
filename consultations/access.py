"""Access helpers: return the object this person may act on, or raise 404."""

from django.shortcuts import get_object_or_404

from consultations.models import EngagementEvidence, EngagementRecord


def get_own_record(request, pk: int) -> EngagementRecord:
    """The requester's own 取引記録; anyone else's is a 404, never a 403."""
    return get_object_or_404(EngagementRecord, pk=pk, owner=request.user)


def get_own_evidence(request, pk: int, evidence_pk: int) -> EngagementEvidence:
    """A file of the requester's own record (the record checked first)."""
    return get_object_or_404(EngagementEvidence, pk=evidence_pk, record=get_own_record(request, pk))
