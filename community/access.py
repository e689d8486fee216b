"""Access helpers: return the object this person may act on, or raise 404."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from community.models import Post, Topic


def get_topic(pk: int) -> Topic:
    return get_object_or_404(Topic.objects.select_related("community"), pk=pk, community__is_active=True)


def get_public_post(pk: int) -> Post:
    """A post others can see (visible, or deleted and shown as such)."""
    return get_object_or_404(
        Post.objects.public().select_related("topic__community", "author"),
        pk=pk,
        topic__community__is_active=True,
    )


def get_own_post(request, pk: int) -> Post:
    """The requester's own post; anyone else's is a 404, never a 403."""
    return get_object_or_404(
        Post.objects.select_related("topic__community").filter(
            Q(status=Post.Status.VISIBLE) | Q(status__in=[Post.Status.HIDDEN, Post.Status.AUTO_HIDDEN])
        ),
        pk=pk,
        author=request.user,
    )
