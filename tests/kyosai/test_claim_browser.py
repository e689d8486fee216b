"""On a 375px phone: a member claims a hospital stay with two photos, staff ask
for one more document, the member adds it, staff approve the indicative amount,
the member sees 完了 and has had an e-mail at each step."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image

from kyosai.models import Claim
from tests.conftest import browser_login, make_staff
from tests.kyosai.factories import approved_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/claims"


def photo(path: str, colour: str) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    with open(path, "wb") as f:
        f.write(buffer.getvalue())
    return path


def test_member_claims_a_hospital_stay_on_a_phone(
    phone_page, browser, live_server, member, settings, tmp_path
):
    import os

    os.makedirs(SHOTS, exist_ok=True)
    settings.SITE_URL = live_server.url
    policy = approved_policy(
        member, {"club": {}, "life": {"plan": "B"}}, now=timezone.now() - dt.timedelta(days=70)
    )
    event = timezone.localdate() - dt.timedelta(days=12)
    page = phone_page
    failed = []
    page.on(
        "response",
        lambda r: failed.append(r.url) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None,
    )
    browser_login(page, live_server, member)

    # 1. From マイページ, start a claim and say what happened.
    page.goto(f"{live_server.url}/members/mypage/")
    assert page.locator(f"a[href='/kyosai/claims/new/?policy={policy.pk}']").count() == 1
    page.click("#claims >> text=共済金を請求する")
    page.screenshot(path=f"{SHOTS}/1-new.png", full_page=True)
    page.click("button:has-text('請求を始める')")
    page.check("input[value=hospital_illness]")
    page.screenshot(path=f"{SHOTS}/2-kind.png", full_page=True)
    page.click("button:has-text('次へ')")
    page.fill("#id_event_date", event.isoformat())
    page.fill("#id_hospital_days", "10")
    page.fill("#id_description", "肺炎で入院しました。")
    page.screenshot(path=f"{SHOTS}/3-details.png", full_page=True)
    page.click("button:has-text('次へ')")

    # 2. Two photos of the hospital's papers.
    page.check("label:has-text('入院証明書') input")
    page.set_input_files(
        "#id_files", [photo(f"{tmp_path}/a.jpg", "white"), photo(f"{tmp_path}/b.jpg", "#eee")]
    )
    page.click("button:has-text('このファイルを送る')")
    page.wait_for_selector("text=2件のファイルを受け取りました")
    page.screenshot(path=f"{SHOTS}/4-documents.png", full_page=True)
    page.click("text=次へ：確認")
    assert "60,000円" in page.content()
    page.check("#id_confirm")
    page.screenshot(path=f"{SHOTS}/5-confirm.png", full_page=True)
    page.click("button:has-text('この内容で請求する')")
    page.wait_for_selector(".claim-status >> text=受付")
    claim = Claim.objects.get(member=member)
    assert claim.documents.count() == 2 and claim.indicative_amount == 60_000

    # 3. Staff start the document check and ask for one more document.
    staff = make_staff("共済担当", email="kyosai-staff@example.jp", nickname="共済担当者")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    admin = context.new_page()
    browser_login(admin, live_server, staff)
    change = f"{live_server.url}/admin/kyosai/claim/{claim.pk}/change/"
    admin.goto(change)
    assert "目安：60,000円" in admin.content()
    admin.click("input[value=書類確認にする]")
    admin.wait_for_selector("text=「書類確認」にしました")
    admin.fill("#id_reason", "診療明細書（入院費の内訳）もお送りください。")
    admin.click("button[value=documents_requested]")
    admin.wait_for_selector("text=「書類の追加をお願い」にしました")

    # 4. The member adds it from the claim page.
    page.goto(f"{live_server.url}/kyosai/claims/{claim.pk}/")
    assert "診療明細書（入院費の内訳）もお送りください。" in page.content()
    page.screenshot(path=f"{SHOTS}/6-requested.png", full_page=True)
    page.set_input_files("#id_files", [photo(f"{tmp_path}/c.jpg", "#ddd")])
    page.click("button:has-text('書類を追加する')")
    page.wait_for_selector("text=1件のファイルを受け取りました")
    assert page.locator(".claim-status").inner_text().strip().endswith("書類確認")

    # 5. Staff review and approve the indicative amount, then record the payment.
    admin.goto(change)
    admin.click("input[value=審査に進める]")
    admin.wait_for_selector("text=「審査」にしました")
    assert admin.locator("#id_amount").input_value() == "60000"
    admin.fill("#id_payment_date", (timezone.localdate() + dt.timedelta(days=7)).isoformat())
    admin.screenshot(path=f"{SHOTS}/7-admin-amount.png", full_page=True)
    admin.click("input[name=confirm_amount]")
    admin.wait_for_selector("text=お支払い額とお支払い予定日を決めました")
    admin.click("input[value^=お支払いを記録する]")
    admin.wait_for_selector("text=お支払いを記録し、完了にしました")
    context.close()

    # 6. The member sees 完了, the timeline, and has the e-mails.
    page.goto(f"{live_server.url}/kyosai/claims/{claim.pk}/")
    assert page.locator(".claim-status").inner_text().strip().endswith("完了")
    assert "60,000円" in page.content()
    page.screenshot(path=f"{SHOTS}/8-completed.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    subjects = [m.subject for m in mail.outbox if m.to == [member.email]]
    for expected in [
        "受け付けました",
        "書類確認",
        "書類の追加をお願いします",
        "審査",
        "お支払い額が決まりました",
        "お支払いが完了しました",
    ]:
        assert any(expected in s for s in subjects), (expected, subjects)
    assert failed == []
    assert [e for e in page.js_errors if "Failed to load resource" not in e] == []


def test_family_path_and_rosai_guide_fit_a_phone(phone_page, live_server, registered_user):
    import os

    os.makedirs(SHOTS, exist_ok=True)
    page = phone_page
    page.goto(f"{live_server.url}/kyosai/claims/rosai/")
    assert "労働基準監督署" in page.content()
    page.screenshot(path=f"{SHOTS}/9-rosai-guide.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    browser_login(page, live_server, registered_user)
    page.goto(f"{live_server.url}/kyosai/claims/family/")
    page.click("button:has-text('次へ')")
    page.wait_for_selector("text=証券番号を入力してください。")
    page.screenshot(path=f"{SHOTS}/10-family-errors.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert [e for e in page.js_errors if "Failed to load resource" not in e] == []
