import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kyosai.models import Application, Document, Enrolment, Policy
from tests.kyosai.factories import approved_policy, submitted_application
from tests.kyosai.seed_tables import income_cells, life_cells, rosai_cells

pytestmark = pytest.mark.django_db
SIM = reverse("kyosai:simulator")


def sim(client, **params):
    return client.get(SIM, params)


# --- Public pages -------------------------------------------------------------
def test_index_lists_products_with_benefits(client):
    body = client.get(reverse("kyosai:index")).content.decode()
    for text in [
        "Wor-Qライフサポートクラブ",
        "3,000円",
        "100,000円",
        "住宅災害見舞金",
        "最高 200,000円",
        "8,440円",
        "7,300円",
        "4,290円",
        "94,320円",
        "47,160円",
        "見積依頼",
    ]:
        assert text in body


@pytest.mark.parametrize(("sex", "plan", "lo", "hi", "monthly"), list(life_cells()))
def test_simulator_serves_every_life_cell(client, sex, plan, lo, hi, monthly):
    for age in (lo, hi):
        body = sim(client, age=age, sex=sex, life_plan=plan).content.decode()
        if monthly is None:
            assert "Cプランは60歳までの方が対象です" in body
        else:
            assert f"月額 <strong>{monthly:,}円</strong>" in body


@pytest.mark.parametrize(("job_class", "benefit", "lo", "hi", "monthly"), list(income_cells()))
def test_simulator_serves_every_income_cell(client, job_class, benefit, lo, hi, monthly):
    body = sim(client, age=hi, income_job_class=job_class, income_benefit=benefit).content.decode()
    assert f"月額 <strong>{monthly:,}円</strong>" in body


@pytest.mark.parametrize(("daily", "annual", "half_year"), list(rosai_cells()))
def test_simulator_serves_every_rosai_cell(client, daily, annual, half_year):
    body = sim(client, rosai_daily=daily).content.decode()
    assert f"年額 <strong>{annual:,}円</strong>（前期・後期 各{half_year:,}円）" in body


def test_simulator_totals_and_apply_link(client):
    body = sim(
        client, age=38, sex="male", life_plan="B", liability="on", income_job_class=1, income_benefit=200000
    ).content.decode()
    # club 3,000 + liability 8,440 a year; life 1,626 + income 3,200 a month
    assert "<dt>月々のお支払い</dt><dd><strong>4,826円</strong>" in body
    assert "<dt>年1回（年会費・年間保険料）</dt><dd><strong>11,440円</strong>" in body
    assert f"{(4826 * 12 + 11440):,}円" in body
    assert reverse("kyosai:apply") + "?age=38" in body


def test_simulator_medical_published_and_quote_request(client):
    body = sim(client, age=40, sex="male", medical_payment="whole_life", medical_daily=5000).content.decode()
    assert "月額 <strong>4,290円</strong>" in body
    body = sim(client, age=41, sex="male", medical_payment="whole_life", medical_daily=5000).content.decode()
    assert "見積依頼" in body and "公表されていません" in body
    assert "円</strong>（年間" not in body.split("総合医療共済")[1].split("</li>")[0]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"birth_date": "2999-01-01", "sex": "male"}, "未来の日付"),
        ({"age": 70, "sex": "male", "life_plan": "A"}, "15歳から64歳までの方が対象です"),
        ({"age": 62, "sex": "male", "life_plan": "C"}, "Cプランは60歳までの方が対象です"),
        ({"rosai_daily": 4000}, "正しく選択してください"),
        ({"age": 30, "income_benefit": 100000}, "職種級別を選んでください"),
    ],
)
def test_simulator_explains_bad_input(client, params, message):
    assert message in sim(client, **params).content.decode()


def test_simulator_age_from_birth_date_on_cover_start(client):
    from django.utils import timezone

    from kyosai import premiums

    start = premiums.first_of_next_month(timezone.localdate())
    birth = start.replace(year=start.year - 40)  # turns 40 on the cover start day
    body = sim(
        client, birth_date=birth.isoformat(), sex="male", medical_payment="paid_up_at_65", medical_daily=5000
    ).content.decode()
    assert "満年齢 <strong>40歳</strong>" in body and "7,300円" in body


def test_simulator_htmx_returns_only_the_results(client):
    response = client.get(SIM, {"age": 30, "sex": "female", "life_plan": "A"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="sim-results"') and "483円" in body
    assert "<html" not in body


# --- Access ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["kyosai:apply", "kyosai:apply-options", "kyosai:quote-request"])
def test_wizard_needs_login_and_membership(client, registered_user, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(registered_user)
    response = client.get(reverse(name))
    assert response.status_code == 403 and "連合ネットワーク会員" in response.content.decode()


def test_get_changes_nothing(member_client):
    for name in [
        "kyosai:apply",
        "kyosai:apply-club",
        "kyosai:apply-options",
        "kyosai:apply-details",
        "kyosai:apply-review",
    ]:
        member_client.get(reverse(name))
    assert not Application.objects.exists()


# --- The wizard, as a member clicks through it --------------------------------------
def walk_to_review(client, *, options: dict, details: dict | None = None, files: bool = False):
    client.post(reverse("kyosai:apply"))
    assert client.post(reverse("kyosai:apply-club"), {"join": "on"}).url == reverse("kyosai:apply-options")
    response = client.post(reverse("kyosai:apply-options"), options)
    assert response.status_code == 302, response.content.decode()
    application = Application.objects.get(status="draft")
    data = {
        "full_name": "山田 太郎",
        "birth_date": "1988-04-01",
        "sex": "male",
        "beneficiary": "山田 花子（配偶者）",
        **(details or {}),
    }
    from kyosai.models import HealthQuestion

    for q in HealthQuestion.objects.filter(product__in=application.product_codes()):
        data[f"q{q.pk}"] = "no"
    response = client.post(reverse("kyosai:apply-details"), data)
    assert response.status_code == 302, response.content.decode()
    if files:
        response = client.post(
            reverse("kyosai:apply-documents"),
            {
                "identity": SimpleUploadedFile("id.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100),
                "work_proof": SimpleUploadedFile("contract.pdf", b"%PDF-1.7\n" + b"0" * 100),
            },
        )
        assert response.status_code == 302, response.content.decode()
    return application


def test_full_wizard_club_life_b_income(member_client, member):
    application = walk_to_review(
        member_client, options={"life_plan": "B", "income_benefit": 200000, "income_job_class": 1}
    )
    page = member_client.get(reverse("kyosai:apply-review")).content.decode()
    assert "1,626円" in page and "3,200円" in page and "重要事項" in page
    response = member_client.post(
        reverse("kyosai:apply-review"), {"application": application.pk, "consent": "on"}
    )
    assert response.url == reverse("kyosai:application-detail", args=[application.pk])
    application.refresh_from_db()
    assert application.status == "submitted" and application.consented_at
    assert sorted(application.product_codes()) == ["club", "income", "life"]
    # Replayed submit: nothing new.
    response = member_client.post(
        reverse("kyosai:apply-review"), {"application": application.pk, "consent": "on"}, follow=True
    )
    assert "すでに送信済み" in response.content.decode()
    assert Application.objects.count() == 1 and Enrolment.objects.count() == 3


def test_wizard_keeps_progress(member_client):
    member_client.post(reverse("kyosai:apply"))
    member_client.post(reverse("kyosai:apply-club"), {"join": "on"})
    # The member leaves and comes back later: the start page resumes at the options step.
    response = member_client.post(reverse("kyosai:apply"))
    assert response.url == reverse("kyosai:apply-options")
    assert member_client.get(reverse("kyosai:apply-review")).url == reverse("kyosai:apply-options")


def test_carried_choices_prefill_options(member_client):
    member_client.post(reverse("kyosai:apply"), {"carry": "age=38&sex=male&life_plan=B&liability=on"})
    member_client.post(reverse("kyosai:apply-club"), {"join": "on"})
    page = member_client.get(reverse("kyosai:apply-options")).content.decode()
    assert '<option value="B" selected>' in page
    assert 'name="liability" id="id_liability" checked' in page


def test_consent_required(member_client):
    application = walk_to_review(member_client, options={"liability": "on"})
    response = member_client.post(reverse("kyosai:apply-review"), {"application": application.pk})
    assert "同意のチェックを入れてください" in response.content.decode()
    assert Application.objects.get().status == "draft"


def test_plan_c_at_62_explained_at_options_step(client, member):
    member.membership.birth_date = dt.date(1963, 1, 1)
    member.membership.save()
    client.force_login(member)
    client.post(reverse("kyosai:apply"))
    client.post(reverse("kyosai:apply-club"), {"join": "on"})
    response = client.post(reverse("kyosai:apply-options"), {"life_plan": "C"})
    assert response.status_code == 200
    assert "Cプランは60歳までの方が対象です" in response.content.decode()
    assert not Enrolment.objects.filter(product="life").exists()


def test_future_birth_date_refused_in_details(member_client):
    member_client.post(reverse("kyosai:apply"))
    member_client.post(reverse("kyosai:apply-club"), {"join": "on"})
    member_client.post(reverse("kyosai:apply-options"), {"liability": "on"})
    response = member_client.post(
        reverse("kyosai:apply-details"), {"full_name": "山田 太郎", "birth_date": "2999-01-01", "sex": "male"}
    )
    assert "未来の日付" in response.content.decode()
    assert Application.objects.get().birth_date == dt.date(1988, 4, 1)


def test_rosai_daily_not_in_table(member_client):
    member_client.post(reverse("kyosai:apply"))
    member_client.post(reverse("kyosai:apply-club"), {"join": "on"})
    response = member_client.post(reverse("kyosai:apply-options"), {"rosai_daily": 4000})
    assert "正しく選択してください" in response.content.decode()
    assert not Enrolment.objects.filter(product="rosai").exists()


def test_rosai_uploads_and_submit(member_client):
    application = walk_to_review(member_client, options={"rosai_daily": 8000}, files=True)
    assert Document.objects.filter(application=application).count() == 2
    document = Document.objects.get(kind="identity")
    assert document.content_type == "image/png"
    assert "kyosai/documents/" in document.file.name
    member_client.post(reverse("kyosai:apply-review"), {"application": application.pk, "consent": "on"})
    enrolment = Enrolment.objects.get(product="rosai")
    assert (enrolment.annual, enrolment.half_year) == (54960, 27480)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)), "ファイルが大きすぎます"),
        (SimpleUploadedFile("setup.pdf", b"MZ\x90\x00" + b"0" * 200), "PDF・JPEG・PNGのファイルだけ"),
    ],
)
def test_bad_uploads_refused(member_client, upload, message):
    member_client.post(reverse("kyosai:apply"))
    member_client.post(reverse("kyosai:apply-club"), {"join": "on"})
    member_client.post(reverse("kyosai:apply-options"), {"rosai_daily": 3500})
    member_client.post(
        reverse("kyosai:apply-details"), {"full_name": "山田 太郎", "birth_date": "1988-04-01", "sex": "male"}
    )
    response = member_client.post(
        reverse("kyosai:apply-documents"),
        {"identity": upload, "work_proof": SimpleUploadedFile("ok.pdf", b"%PDF-1.4 x")},
    )
    assert message in response.content.decode()
    assert not Document.objects.exists()


def test_tampered_application_id_changes_nothing(client, member, other_member):
    others = submitted_application(other_member)
    client.force_login(member)
    mine = walk_to_review(client, options={"liability": "on"})
    response = client.post(reverse("kyosai:apply-review"), {"application": others.pk, "consent": "on"})
    assert "この申込みは見つかりません" in response.content.decode()
    mine.refresh_from_db()
    others.refresh_from_db()
    assert mine.status == "draft" and others.status == "submitted"


# --- Downloads and other people's things -----------------------------------------
@pytest.fixture
def policy(member, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        policy = approved_policy(member, {"club": {}, "rosai": {"daily": 5000}}, staff=staff)
    policy.refresh_from_db()
    return policy


def test_certificate_and_upload_owner_staff_others(client, policy, member, other_member, staff):
    document = Document.objects.first()
    urls = [
        reverse("kyosai:certificate", args=[policy.pk]),
        reverse("kyosai:document", args=[document.pk]),
        reverse("kyosai:application-detail", args=[policy.application_id]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(other_member)
    for url in urls:
        assert client.get(url).status_code == 404
    client.force_login(member)
    for url in urls:
        assert client.get(url).status_code == 200
    client.force_login(staff)
    for url in urls[:2]:
        assert client.get(url).status_code == 200
    response = client.get(urls[0])
    assert response["Content-Type"] == "application/pdf"


def test_verify_page_states(client, policy):
    url = reverse("kyosai:verify", args=[policy.verify_token])
    body = client.get(url).content.decode()
    assert "山田 ○○" in body and "太郎" not in body and policy.number in body
    Enrolment.objects.update(cover_start=dt.date(2020, 1, 1), cover_end=dt.date(2099, 1, 1))
    assert "有効" in client.get(url).content.decode()
    Enrolment.objects.update(cover_end=dt.date(2021, 1, 1))
    assert "期限切れ" in client.get(url).content.decode()
    Enrolment.objects.update(status="cancelled")
    assert "解約済み" in client.get(url).content.decode()
    assert client.get(reverse("kyosai:verify", args=["not-a-token"])).status_code == 404


def test_mypage_section_and_cancel_request(
    client, policy, member, other_member, django_assert_max_num_queries
):
    client.force_login(member)
    with django_assert_max_num_queries(20):
        body = client.get(reverse("members:mypage")).content.decode()
    assert "Wor-Q共済" in body and policy.number in body and "加入証明書" in body
    club = policy.covers.get(product="club")
    client.force_login(other_member)
    assert client.post(reverse("kyosai:enrolment-cancel", args=[club.pk])).status_code == 404
    client.force_login(member)
    assert client.get(reverse("kyosai:enrolment-cancel", args=[club.pk])).status_code == 405
    client.post(reverse("kyosai:enrolment-cancel", args=[club.pk]))
    club.refresh_from_db()
    assert club.status == "cancel_requested"


# --- Staff review in the admin -------------------------------------------------------
def test_staff_approves_and_rejects_in_admin(
    client, member, other_member, django_capture_on_commit_callbacks
):
    from tests.conftest import make_staff

    kyosai_staff = make_staff("共済担当", email="kyosai-staff@example.jp", nickname="共済担当者")
    client.force_login(kyosai_staff)
    mine = submitted_application(member)
    others = submitted_application(other_member)
    page = client.get(reverse("admin:kyosai_application_change", args=[mine.pk]))
    assert page.status_code == 200 and "承認する" in page.content.decode()
    assert (
        client.get(reverse("admin:kyosai_application_changelist") + "?status__exact=submitted").status_code
        == 200
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:kyosai_application_approve", args=[mine.pk]))
    assert Policy.objects.get().application == mine
    response = client.post(
        reverse("admin:kyosai_application_reject", args=[others.pk]), {"reason": ""}, follow=True
    )
    assert "不承認の理由を入力してください" in response.content.decode()
    client.post(reverse("admin:kyosai_application_reject", args=[others.pk]), {"reason": "確認のため"})
    others.refresh_from_db()
    assert others.status == "rejected" and others.decided_by == kyosai_staff


def test_club_members_skip_the_club_step(client, member, staff):
    approved_policy(member, {"club": {}}, staff=staff)
    client.force_login(member)
    response = client.post(reverse("kyosai:apply"))
    assert client.get(response.url).url == reverse("kyosai:apply-options")
    page = client.get(reverse("kyosai:apply-options")).content.decode()
    assert "クラブ</li>" not in page
    client.post(reverse("kyosai:apply-options"), {"liability": "on"})
    assert Application.objects.get(status="draft").product_codes() == ["liability"]


def test_admin_application_list_query_count(client, member, other_member, django_assert_max_num_queries):
    from tests.conftest import make_staff

    submitted_application(member)
    submitted_application(other_member, {"club": {}, "liability": {}})
    client.force_login(make_staff("共済担当", email="k@example.jp", nickname="共済"))
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:kyosai_application_changelist"))
    assert "オプション3 賠償補償制度" in response.content.decode()


def test_admin_actions_confirm_cancel_mark_paid_and_answer_quote(
    client, member, staff, django_capture_on_commit_callbacks, mailoutbox
):
    from django.utils import timezone

    from kyosai import services
    from kyosai.models import ClubYear, QuoteRequest
    from tests.conftest import make_staff

    with django_capture_on_commit_callbacks(execute=True):
        policy = approved_policy(member, {"club": {}, "liability": {}}, staff=staff)
    club = policy.covers.get(product="club")
    services.enrolment_request_cancel(enrolment=club, user=member, now=timezone.now())
    kyosai_staff = make_staff("共済担当", email="k@example.jp", nickname="共済")
    client.force_login(kyosai_staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:kyosai_enrolment_changelist"),
            {"action": "confirm_cancel", "_selected_action": [club.pk]},
        )
    assert set(Enrolment.objects.values_list("status", flat=True)) == {"cancelled"}
    assert "解約" in mailoutbox[-1].subject

    year = ClubYear.objects.get()
    client.post(
        reverse("admin:kyosai_clubyear_changelist"), {"action": "mark_paid", "_selected_action": [year.pk]}
    )
    year.refresh_from_db()
    assert year.paid_marked_by == kyosai_staff

    request = QuoteRequest.objects.create(
        user=member, product="medical", age=50, sex="male", daily=5000, payment="whole_life"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:kyosai_quoterequest_change", args=[request.pk]),
            {"answer": "月4,800円でお引き受けできます。", "answered_monthly": 4800},
        )
    request.refresh_from_db()
    assert request.status == "answered" and request.answered_by == kyosai_staff
    assert "4800円" in mailoutbox[-1].body


def test_admin_rerender_queues_each_certificate_through_the_service(client, member, staff):
    from tests.conftest import make_staff
    from worq.models import OutboxItem

    policy = approved_policy(member, {"club": {}}, staff=staff)
    before = OutboxItem.objects.filter(task="kyosai.tasks.render_certificate").count()
    client.force_login(make_staff("共済担当", email="k@example.jp", nickname="共済"))
    response = client.post(
        reverse("admin:kyosai_policy_changelist"),
        {"action": "rerender", "_selected_action": [policy.pk]},
        follow=True,
    )
    assert "1件の加入証明書を作り直します" in response.content.decode()
    queued = OutboxItem.objects.filter(task="kyosai.tasks.render_certificate").order_by("id")
    assert queued.count() == before + 1 and queued.last().args == [policy.pk]


def test_reject_asks_for_the_reason_on_the_shared_reason_page(client, member):
    from tests.conftest import make_staff

    application = submitted_application(member)
    client.force_login(make_staff("共済担当", email="k@example.jp", nickname="共済"))
    url = reverse("admin:kyosai_application_reject", args=[application.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.templates[0].name == "admin/reason.html"
    assert "不承認にする" in page.content.decode() and application.full_name in page.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"  # GET changes nothing
    response = client.post(url, {"reason": "  "})
    assert "不承認の理由を入力してください" in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == "submitted"
