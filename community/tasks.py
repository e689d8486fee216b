from celery import shared_task
from django.utils import timezone

from community import services
from community.models import Post


@shared_task
def send_reply_notice(reply_id: int) -> bool:
    """Safe to run twice: the per-topic hourly claim lets only one e-mail through."""
    reply = Post.objects.select_related("parent__author", "author", "topic").filter(pk=reply_id).first()
    if reply is None:
        return False
    return services.reply_notice_send(reply=reply, now=timezone.now())
