"""Every page each role can reach, on a 375px phone and a 1280px desktop:
nothing wider than the screen, no text squeezed into a column narrower than
three characters, tap targets of 44px, no serious axe-core violation (which
includes text contrast under 4.5:1), and valid HTML (Nu HTML Checker).

Pages come from the URL conf (tests/browser/audit.py) and the demo content,
so a new page is audited as soon as it has a URL. Staff pages are left out."""

import io
import os
import re
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError

from tests.browser import audit
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}


def _first(model: str, **filters):
    from django.apps import apps

    app_label, name = model.split(".")
    return apps.get_model(app_label, name).objects.filter(**filters).order_by("pk").first()


def kwargs_finders(user) -> dict:
    """For each page with arguments, how to find an object this person may see."""

    def pk(model, **filters):
        return lambda: (lambda o: {"pk": o.pk} if o else None)(_first(model, **filters))

    def slug(model, **filters):
        return lambda: (lambda o: {"slug": o.slug} if o else None)(_first(model, **filters))

    def case():
        obj = _first("consultations.Case", published=True)
        return {"external_id": obj.external_id} if obj else None

    def archive_month():
        article = _first("magazine.Article", published_at__isnull=False)
        if not article:
            return None
        from django.utils import timezone

        local = timezone.localtime(article.published_at)
        return {"year": local.year, "month": local.month}

    def verify():
        policy = _first("kyosai.Policy")
        return {"token": policy.verify_token} if policy else None

    mine = {"user": user} if user else {"pk": 0}
    return {
        "page": lambda: {"slug": "about"},
        "consultations:case-detail": case,
        "consultations:glossary-detail": pk("consultations.GlossaryTerm"),
        "community:community-detail": slug("community.Community", is_active=True),
        "community:topic-detail": pk("community.Topic"),
        "community:post-create": pk("community.Topic", status="open"),
        "community:reply-create": pk("community.Post", parent__isnull=True, status="visible"),
        "community:post-edit": pk("community.Post", **({"author": user} if user else {"pk": 0})),
        "community:post-delete": pk("community.Post", **({"author": user} if user else {"pk": 0})),
        "community:post-report": pk("community.Post", status="visible"),
        "magazine:article": slug("magazine.Article", published_at__isnull=False),
        "magazine:feature": slug("magazine.Feature"),
        "magazine:category": slug("magazine.Category"),
        "magazine:tag": slug("magazine.Tag"),
        "magazine:archive-month": archive_month,
        "opinionbox:theme-detail": pk("opinionbox.Theme", status="open"),
        "opinionbox:opinion-create": pk("opinionbox.Theme", status="open"),
        "opinionbox:theme-results": pk("opinionbox.Theme", status="results"),
        "opinionbox:opinion-detail": pk("opinionbox.Opinion", **({"author": user} if user else {"pk": 0})),
        "opinionbox:opinion-withdraw": pk("opinionbox.Opinion", **({"author": user} if user else {"pk": 0})),
        "kyosai:application-detail": pk("kyosai.Application", **mine),
        "kyosai:enrolment-cancel": pk(
            "kyosai.Enrolment", **({"application__user": user} if user else {"pk": 0})
        ),
        "kyosai:verify": verify,
        **{
            f"kyosai:claim-{step}": pk("kyosai.Claim", **({"filed_by": user} if user else {"pk": 0}))
            for step in ("detail", "kind", "details", "documents", "confirm", "add-documents")
        },
    }


def _visit(page, url: str):
    try:
        response = page.goto(url, wait_until="load")
    except PlaywrightError:  # POST-only (405 with no body), downloads
        return None
    if response is None or response.status != 200:
        return None
    if "text/html" not in (response.headers.get("content-type") or ""):
        return None
    return response


def test_every_page_fits_phone_and_desktop_and_is_accessible(browser, live_server, tmp_path):
    from members.models import User

    call_command("load_demo", stdout=io.StringIO())
    roles = {
        "visitor": None,
        "registered": User.objects.get(email="guest@example.jp"),
        "member": User.objects.get(email="sakura@example.jp"),
    }
    jar = audit.vnu_jar()
    if jar is None and os.environ.get("CI") == "true":
        pytest.fail("vnu.jar が見つかりません（.ci/run が npm で入れます。WORQ_VNU_JAR でも指定できます）")
    html_dir = tmp_path / "html"
    html_dir.mkdir()
    problems: list[str] = []
    sources: dict[str, str] = {}
    visited = 0
    timings: list[tuple[float, str]] = []
    only = os.environ.get("WORQ_AUDIT_ROLES")  # e.g. "member" while fixing a page
    for role, user in roles.items():
        if only and role not in only.split(","):
            continue
        urls, unknown = audit.pages_for(kwargs_finders(user))
        for width_name, viewport in WIDTHS.items():
            context = browser.new_context(
                locale="ja-JP",
                timezone_id="Asia/Tokyo",
                viewport=viewport,
                is_mobile=width_name == "phone",
                has_touch=width_name == "phone",
                bypass_csp=True,  # to inject axe-core; the site itself runs under its CSP
            )
            context.set_default_timeout(20_000)
            page = context.new_page()
            if user is not None:
                browser_login(page, live_server, user)
            seen_final: set[str] = set()
            for path in urls:
                started = time.monotonic()
                response = _visit(page, live_server.url + path)
                if response is None:
                    continue
                final = page.url.removeprefix(live_server.url)
                # Every members' page sends a visitor to the same login page: audit it once.
                same = final.split("?")[0] if final.startswith("/accounts/login/") else final
                if same in seen_final:
                    continue
                seen_final.add(same)
                visited += 1
                where = f"[{role} {width_name}] {final}"
                found = [
                    f"{where}: {p}"
                    for p in page.evaluate(audit.CHECKS_JS, [audit.MIN_TARGET, audit.MIN_COLUMN_CHARS])
                ]
                if width_name == "phone":
                    # axe-core's rules (ARIA, names, contrast) do not depend on the width: once is enough.
                    page.add_script_tag(path=str(audit.VENDOR / "axe.min.js"))
                    found += [f"{where}: axe {v}" for v in page.evaluate(audit.AXE_JS)]
                    name = f"{role}-{len(sources):03d}.html"
                    (html_dir / name).write_text(response.text(), encoding="utf-8")
                    sources[name] = f"[{role}] {final}"
                timings.append((time.monotonic() - started, where))
                problems += found
                if os.environ.get("WORQ_AUDIT_VERBOSE"):
                    print(f"{timings[-1][0]:.1f}s {where}", *found, sep="\n  ", flush=True)
            context.close()
        if unknown:
            print(f"[{role}] 対象のオブジェクトが見つからず開かなかったページ: {', '.join(unknown)}")
    if jar is not None:
        for name, errors in audit.validate_html(html_dir, jar).items():
            for error in errors:
                problems.append(f"{sources.get(name, name)}: HTML {error}")
    print(
        f"{visited} ページ・{sum(t for t, _ in timings):.0f} 秒。遅い順:", sorted(timings, reverse=True)[:5]
    )
    assert visited > (40 if not only else 10), f"開いたページが少なすぎます（{visited}）"
    report = "\n".join(_dedupe(problems))
    assert not problems, f"{len(problems)} 件の問題:\n{report}"


def _dedupe(problems: list[str]) -> list[str]:
    """The same problem on every page (a footer link) is listed once, with a count."""
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for p in problems:
        key = re.sub(r"^\[[^\]]+\] \S+: ", "", p)
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, p)
    return [f"{first[k]}" + (f"（ほか {counts[k] - 1} ページ）" if counts[k] > 1 else "") for k in first]


def test_page_list_comes_from_the_url_conf():
    names = dict(audit.url_names())
    assert "consultations:case-list" in names
    assert names["consultations:case-detail"] == ["external_id"]
    assert not any(name.startswith("admin:") for name in names)


assert Path(audit.VENDOR / "axe.min.js").is_file(), "tests/browser/vendor/axe.min.js がありません"
