"""Access helpers: return the object this person may see or act on, or raise
404, so another member's object is never a special case in a view."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from kyosai.models import Application, Claim, ClaimDocument, Document, Enrolment, Policy


def is_kyosai_staff(user) -> bool:
    return user.is_authenticated and user.is_staff and user.has_perm("kyosai.view_policy")


def get_application_for_member(request, pk: int) -> Application:
    return get_object_or_404(Application, pk=pk, user=request.user)


def get_enrolment_for_member(request, pk: int) -> Enrolment:
    return get_object_or_404(Enrolment, pk=pk, user=request.user)


def get_policy_for_viewer(request, pk: int) -> Policy:
    if is_kyosai_staff(request.user):
        return get_object_or_404(Policy, pk=pk)
    return get_object_or_404(Policy, pk=pk, user=request.user)


def get_document_for_viewer(request, pk: int) -> Document:
    if is_kyosai_staff(request.user) and request.user.has_perm("kyosai.view_document"):
        return get_object_or_404(Document, pk=pk)
    return get_object_or_404(Document, pk=pk, application__user=request.user)


def get_claim_for_viewer(request, pk: int) -> Claim:
    """The claim if the person is its member, its filer or 共済担当; else 404."""
    claims = Claim.objects.select_related("member", "filed_by", "policy")
    if is_kyosai_staff(request.user) and request.user.has_perm("kyosai.view_claim"):
        return get_object_or_404(claims, pk=pk)
    return get_object_or_404(claims.visible_to(request.user), pk=pk)


def get_claim_for_member_or_filer(request, pk: int) -> Claim:
    """The claim if the person is its member or its filer (not staff); else 404."""
    return get_object_or_404(Claim.objects.visible_to(request.user), pk=pk)


def get_claim_draft_for_filer(request, pk: int) -> Claim:
    """The filer's own draft; a sent claim is no longer editable (404 for others)."""
    claim = get_object_or_404(Claim.objects.select_related("member"), pk=pk, filed_by=request.user)
    if claim.status != Claim.Status.DRAFT:
        raise Http404("送信済みの請求です。")
    return claim


def get_claim_document_for_viewer(request, pk: int) -> ClaimDocument:
    documents = ClaimDocument.objects.select_related("claim")
    if is_kyosai_staff(request.user) and request.user.has_perm("kyosai.view_claimdocument"):
        return get_object_or_404(documents, pk=pk)
    return get_object_or_404(documents, pk=pk, claim__in=Claim.objects.visible_to(request.user))


def get_claim_document_for_filer(request, pk: int) -> ClaimDocument:
    return get_object_or_404(ClaimDocument, pk=pk, claim__filed_by=request.user)
