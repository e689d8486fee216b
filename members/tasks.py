from celery import shared_task
from django.utils import timezone

from members import services
from members.models import NetworkMembership


@shared_task
def render_membership_card(membership_id: int) -> None:
    membership = NetworkMembership.objects.select_related("user").filter(pk=membership_id).first()
    if membership is None or membership.user.deleted_at:
        return
    services.membership_card_render(membership=membership, now=timezone.now())
