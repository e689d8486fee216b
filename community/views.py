from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from community import rules, services
from community.access import get_own_post, get_public_post, get_topic
from community.forms import PostForm, ReactionForm, ReplyForm, ReportForm
from community.models import Community, Post, Reaction, Topic
from members.access import has_tier, registered_required
from worq.lib.forms import submitted_once
from worq.lib.ratelimit import rate_limited

POSTS_PER_PAGE = 20
TOPICS_PER_PAGE = 20


def _visible_to(user) -> Q:
    """Public posts, plus the viewer's own hidden posts (with the reason)."""
    q = Q(status__in=[Post.Status.VISIBLE, Post.Status.DELETED])
    if user.is_authenticated:
        q |= Q(author=user, status__in=[Post.Status.HIDDEN, Post.Status.AUTO_HIDDEN])
    return q


def index(request):
    communities = (
        Community.objects.filter(is_active=True)
        .annotate(topic_count=Count("topics", filter=~Q(topics__status=Topic.Status.ARCHIVED)))
        .order_by("-last_activity_at", "order")
    )
    recent = Topic.objects.listed().select_related("community").order_by("-last_activity_at")[:6]
    return render(request, "community/index.html", {"communities": communities, "recent_topics": recent})


def community_detail(request, slug):
    community = get_object_or_404(Community, slug=slug, is_active=True)
    topics = (
        community.topics.listed()
        .annotate(post_count=Count("posts", filter=Q(posts__status=Post.Status.VISIBLE)))
        .order_by("-is_pinned", "-last_activity_at", "-id")
    )
    page = Paginator(topics, TOPICS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "community/community_detail.html", {"community": community, "page": page})


def topic_detail(request, pk):
    topic = get_topic(pk)
    visible = _visible_to(request.user)
    posts = (
        topic.posts.filter(visible, parent=None)
        .order_by("-last_activity_at", "-id")
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Post.objects.filter(visible).select_related("author").order_by("created_at", "id"),
            )
        )
    )
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "community/topic_detail.html",
        {
            "topic": topic,
            "page": page,
            "form": PostForm(),
            **_viewer_context(request, list(page.object_list)),
        },
    )


def _viewer_context(request, posts: list[Post]) -> dict:
    user = request.user
    can_post = has_tier(user, "registered")
    reacted: set = set()
    suspension = None
    if can_post:
        ids = [p.pk for p in posts] + [r.pk for p in posts for r in p.replies.all()]
        reacted = {
            f"{pid}:{kind}"
            for pid, kind in Reaction.objects.filter(user=user, post_id__in=ids).values_list(
                "post_id", "kind"
            )
        }
        suspension = services.suspension_in_force(user=user, now=timezone.now())
    return {
        "can_post": can_post,
        "reacted": reacted,
        "suspension": suspension,
        "edit_window_minutes": int(rules.EDIT_WINDOW.total_seconds() // 60),
    }


@registered_required
@rate_limited("worq_post")
@submitted_once()
def post_create(request, pk):
    topic = get_topic(pk)
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(
                topic=topic,
                author=request.user,
                kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"],
                now=timezone.now(),
            )
        except ValidationError as error:  # a refusal of the service shows next to the form
            form.add_error(None, error)
        else:
            messages.success(request, "投稿しました。声を寄せてくださって、ありがとうございます。")
            return redirect(post.get_absolute_url())
    return render(
        request,
        "community/post_form.html",
        {"topic": topic, "form": form},
        status=400 if form.errors else 200,
    )


@registered_required
@rate_limited("worq_post")
@submitted_once()
def reply_create(request, pk):
    parent = get_public_post(pk)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reply = services.reply_create(
                parent=parent, author=request.user, body=form.cleaned_data["body"], now=timezone.now()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "返信しました。")
            return redirect(reply.get_absolute_url())
    return render(
        request,
        "community/reply_form.html",
        {"topic": parent.topic, "parent": parent, "form": form},
        status=400 if form.errors else 200,
    )


@registered_required
def post_edit(request, pk):
    post = get_own_post(request, pk)
    form_class = ReplyForm if post.parent_id else PostForm
    form = form_class(request.POST or None, initial={"body": post.body, "kind": post.kind})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.post_edit(
                post=post,
                editor=request.user,
                body=form.cleaned_data["body"],
                kind=form.cleaned_data.get("kind", ""),
                now=timezone.now(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "投稿を直しました。")
            return redirect(saved.get_absolute_url())
    return render(
        request,
        "community/post_edit.html",
        {
            "post": post,
            "topic": post.topic,
            "form": form,
            "can_edit": rules.can_edit(created_at=post.created_at, now=timezone.now()),
            "edit_window_minutes": int(rules.EDIT_WINDOW.total_seconds() // 60),
        },
        status=400 if form.errors else 200,
    )


@registered_required
def post_delete(request, pk):
    post = get_own_post(request, pk)
    if request.method == "POST":
        services.post_delete(post=post, user=request.user, now=timezone.now())
        messages.success(request, "投稿を削除しました。「削除されました」と表示されます。")
        return redirect(post.topic.get_absolute_url())
    return render(request, "community/post_delete.html", {"post": post, "topic": post.topic})


@require_POST
@registered_required
def post_react(request, pk):
    post = get_public_post(pk)
    form = ReactionForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.reaction_set(
                post=post,
                user=request.user,
                kind=form.cleaned_data["kind"],
                on=form.cleaned_data["on"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            error = exc.messages[0]
    else:
        error = "リアクションの種類が正しくありません。"
    if request.htmx:
        post.refresh_from_db(fields=["empathy_count", "helpful_count"])
        # Always 200: htmx swaps only successful responses, and the fragment
        # carries the message next to the buttons.
        return render(
            request,
            "community/topic_detail.html#reactions",
            {
                "post": post,
                "reaction_error": error,
                "can_post": True,
                "reacted": _reacted(request.user, post),
            },
        )
    if error:
        messages.error(request, error)
    return redirect(post.get_absolute_url())


def _reacted(user, post: Post) -> set:
    return {
        f"{post.pk}:{k}" for k in Reaction.objects.filter(user=user, post=post).values_list("kind", flat=True)
    }


@registered_required
def post_report(request, pk):
    post = get_public_post(pk)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(
                post=post,
                reporter=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "通報を受け付けました。モデレーターが確認します。ご協力ありがとうございます。"
            )
            return redirect(post.topic.get_absolute_url())
    return render(
        request,
        "community/report_form.html",
        {"post": post, "topic": post.topic, "form": form},
        status=400 if form.errors else 200,
    )
