from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from magazine import queries, services, tokens
from magazine.models import Article, Category, Feature, Subscription, Tag
from members.access import registered_required
from worq.lib.ratelimit import rate_limited

PER_PAGE = queries.PER_PAGE


def _page(request, qs):
    return Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))


def home(request):
    return render(request, "magazine/home.html", queries.front_page(request.GET.get("page")))


def search(request):
    query = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "magazine/article_list.html",
        {
            "heading": f"「{query}」を含む記事" if query else "記事を探す",
            "page_obj": _page(request, queries.search_articles(query)),
            "query": query,
            "empty_text": "この言葉を含む記事は見つかりませんでした。言葉を短くして試してください。",
        },
    )


def article_detail(request, slug: str):
    try:
        article = queries.get_published_article(slug)
    except Article.DoesNotExist as exc:
        raise Http404("記事が見つかりません。") from exc
    return render(request, "magazine/article_detail.html", _article_context(article))


def _article_context(article: Article) -> dict:
    return {
        "article": article,
        "body_html": article.body_html,
        "related_articles": queries.related_articles(article),
        "related_cases": queries.related_cases(article),
        "related_terms": queries.related_terms(article),
    }


def feature_detail(request, slug: str):
    feature = get_object_or_404(Feature, slug=slug)
    articles = queries.published_articles().filter(feature=feature)
    if not articles.exists():
        raise Http404("特集が見つかりません。")
    return render(
        request,
        "magazine/article_list.html",
        {
            "heading": f"特集：{feature.title}",
            "kicker": f"{feature.month:%Y年%-m月}号",
            "lead": feature.lead,
            "page_obj": _page(request, articles),
        },
    )


def category_detail(request, slug: str):
    category = get_object_or_404(Category, slug=slug)
    articles = queries.published_articles().filter(category=category)
    return render(
        request,
        "magazine/article_list.html",
        {
            "heading": f"カテゴリ：{category.name}",
            "page_obj": _page(request, articles),
        },
    )


def tag_detail(request, slug: str):
    tag = get_object_or_404(Tag, slug=slug)
    articles = queries.published_articles().filter(tags=tag)
    return render(
        request,
        "magazine/article_list.html",
        {
            "heading": f"タグ：{tag.name}",
            "page_obj": _page(request, articles),
        },
    )


def archive_index(request):
    return render(request, "magazine/archive.html", {"months": queries.archive_months()})


def archive_month(request, year: int, month: int):
    if not (1 <= month <= 12 and 2000 <= year <= 2999):  # year 0 or 99999 would overflow the lookup
        raise Http404("その月の記事はありません。")
    articles = queries.published_articles().filter(published_at__year=year, published_at__month=month)
    return render(
        request,
        "magazine/article_list.html",
        {
            "heading": f"{year}年{month}月の記事",
            "page_obj": _page(request, articles),
            "empty_text": "この月に公開された記事はありません。",
        },
    )


# --- Wor-Q Letters -------------------------------------------------------------
def letters_info(request):
    subscription = None
    if request.user.is_authenticated:
        subscription = Subscription.objects.filter(user=request.user).first()
    return render(request, "magazine/letters.html", {"subscription": subscription})


@require_POST
@registered_required
@rate_limited("worq_letters_subscribe")
def letters_subscribe(request):
    source = "footer" if request.POST.get("source") == "footer" else "mypage"
    subscription = services.subscription_request(user=request.user, source=source, now=timezone.now())
    if subscription.status == Subscription.Status.CONFIRMED:
        messages.success(request, "Wor-Q Letters を受け取る設定になっています。次の号からお届けします。")
    else:
        messages.success(
            request,
            f"{request.user.email} に確認メールを送りました。メールのリンクを開くと登録が完了します。",
        )
    return redirect("magazine:letters")


def letters_confirm(request, token: str):
    """GET shows a button (mail scanners open links); POST confirms."""
    try:
        tokens.read_confirm_token(token)
    except tokens.BadToken as exc:
        return render(request, "magazine/letters_bad_link.html", {"reason": str(exc)}, status=400)
    if request.method == "POST":
        try:
            services.subscription_confirm(token=token, now=timezone.now())
        except tokens.BadToken as exc:
            return render(request, "magazine/letters_bad_link.html", {"reason": str(exc)}, status=400)
        return render(request, "magazine/letters_done.html", {"confirmed": True})
    return render(request, "magazine/letters_confirm.html", {"token": token})


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a CSRF token.
def letters_unsubscribe(request, token: str):
    try:
        subscription = services.subscription_for_token(token)
    except tokens.BadToken:
        return render(request, "magazine/letters_bad_link.html", {"reason": "bad"}, status=400)
    if request.method == "POST":
        services.subscription_cancel(subscription=subscription, now=timezone.now(), via="link")
        return render(request, "magazine/letters_done.html", {"unsubscribed": True})
    return render(
        request,
        "magazine/letters_unsubscribe.html",
        {
            "token": token,
            "subscription": subscription,
        },
    )


@require_POST
@registered_required
def letters_stop(request):
    subscription = Subscription.objects.filter(user=request.user).first()
    if subscription is not None:
        services.subscription_cancel(subscription=subscription, now=timezone.now(), via="mypage")
    messages.success(request, "Wor-Q Letters の配信を停止しました。")
    return redirect("members:mypage")
