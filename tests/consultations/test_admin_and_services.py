import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consultations import services
from consultations.models import ConsultationRequest, ConsultationRequestEvent, LawyerReferral
from consultations.search import search_cases
from members.services import account_delete, account_export
from tests.conftest import make_staff
from tests.consultations.factories import (
    CaseFactory,
    ConsultationRequestFactory,
    LawyerFactory,
    LawyerReferralFactory,
)

pytestmark = pytest.mark.django_db


def test_only_soudan_staff_read_requests(client):
    consultation = ConsultationRequestFactory()
    url = reverse("admin:consultations_consultationrequest_change", args=[consultation.pk])
    client.force_login(make_staff("編集", email="e@example.jp", nickname="へんしゅう"))
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:consultations_case_changelist")).status_code == 200
    client.force_login(make_staff("相談担当", email="s@example.jp", nickname="そうだん"))
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:consultations_case_changelist")).status_code == 403


def test_staff_reply_in_admin_is_emailed_and_audited(client, django_capture_on_commit_callbacks):
    staff = make_staff("相談担当", email="s@example.jp", nickname="そうだん")
    client.force_login(staff)
    consultation = ConsultationRequestFactory(email="asker@example.jp")
    url = reverse("admin:consultations_consultationrequest_change", args=[consultation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "status": "in_progress",
                "internal_notes": "確認中",
                "reply": "記録を残しましょう。",
                "events-TOTAL_FORMS": "0",
                "events-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == "answered" and consultation.replied_at
    assert consultation.internal_notes == "確認中"
    assert [m.to for m in mail.outbox] == [["asker@example.jp"]]
    assert "記録を残しましょう。" in mail.outbox[0].body
    events = ConsultationRequestEvent.objects.filter(consultation=consultation, actor=staff)
    assert sorted(events.values_list("action", "from_status", "to_status")) == [
        ("replied", "", "answered"),
        ("status_changed", "new", "answered"),
    ]


def test_saving_the_same_reply_again_sends_nothing(django_capture_on_commit_callbacks):
    staff = make_staff("相談担当")
    consultation = ConsultationRequestFactory()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_request_update(
            consultation=consultation, actor=staff, status="new", reply="回答", internal_notes="", now=now
        )
        services.consultation_request_update(
            consultation=consultation, actor=staff, status="closed", reply="回答", internal_notes="", now=now
        )
    assert len(mail.outbox) == 1
    assert ConsultationRequest.objects.get().status == "closed"


def test_lawyers_ranked_by_field_then_place():
    far = LawyerFactory(name="遠い", specialties=["報酬・支払い"], prefectures=["北海道"])
    online = LawyerFactory(
        name="オンライン", specialties=["報酬・支払い"], prefectures=["北海道"], online=True
    )
    near = LawyerFactory(name="近い", specialties=["報酬・支払い"], prefectures=["東京都"])
    other = LawyerFactory(name="分野ちがい", specialties=["ハラスメント"], prefectures=["東京都"])
    LawyerFactory(name="休止中", is_active=False)
    ranked = services.lawyers_ranked(category="報酬・支払い", prefecture="東京都", online_ok=True)
    assert [m.lawyer for m in ranked] == [near, online, far, other]
    assert ranked[0].reasons == "分野・地域"
    ranked = services.lawyers_ranked(category="報酬・支払い", prefecture="東京都", online_ok=False)
    assert ranked[0].lawyer == near and ranked[-1].lawyer == other


def test_referral_admin_shows_best_match_first_and_refers(client, member, django_capture_on_commit_callbacks):
    LawyerFactory(name="A 分野ちがい", specialties=["ハラスメント"])
    best = LawyerFactory(name="Z 一致", specialties=["報酬・支払い"], prefectures=["東京都"])
    referral = LawyerReferralFactory(member=member)
    client.force_login(make_staff("相談担当", email="s@example.jp", nickname="そうだん"))
    url = reverse("admin:consultations_lawyerreferral_change", args=[referral.pk])
    html = client.get(url).content.decode()
    assert html.index("Z 一致") < html.index("A 分野ちがい")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {
                "lawyer": best.pk,
                "message_to_member": "事務所から連絡します。",
                "status": "received",
                "staff_note": "",
            },
        )
    referral.refresh_from_db()
    assert referral.status == "referred" and referral.lawyer == best and referral.referred_at
    assert mail.outbox[-1].to == [member.email] and "事務所から連絡します。" in mail.outbox[-1].body
    event = referral.events.get()
    assert (event.action, event.from_status, event.to_status) == ("referred", "received", "referred")
    assert event.actor.email == "s@example.jp" and event.note == str(best)


def test_referral_status_change_in_admin_is_audited_and_sends_nothing(client, member):
    lawyer = LawyerFactory(specialties=["報酬・支払い"])
    referral = LawyerReferralFactory(member=member, lawyer=lawyer, status="referred")
    staff = make_staff("相談担当", email="s@example.jp", nickname="そうだん")
    client.force_login(staff)
    url = reverse("admin:consultations_lawyerreferral_change", args=[referral.pk])
    response = client.post(
        url, {"lawyer": lawyer.pk, "message_to_member": "", "status": "closed", "staff_note": "完了"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.staff_note) == ("closed", "完了")
    assert not mail.outbox
    assert list(referral.events.values_list("action", "from_status", "to_status", "actor")) == [
        ("status_changed", "referred", "closed", staff.pk)
    ]
    assert "状態の変更" in client.get(url).content.decode()  # the history shows in the admin


def test_referral_submitted_is_audited(member):
    referral = services.lawyer_referral_submit(
        member=member,
        data={"category": "報酬・支払い", "prefecture": "東京都", "summary": "未払い"},
        now=timezone.now(),
    )
    assert list(referral.events.values_list("action", "actor")) == [("received", member.pk)]


def test_unpublish_action_removes_from_search_and_is_audited(client):
    case = CaseFactory(title="労災の事例")
    editor = make_staff("編集")
    client.force_login(editor)
    changelist = reverse("admin:consultations_case_changelist")
    client.post(changelist, {"action": "unpublish", "_selected_action": [case.pk]})
    assert search_cases("労災") == []
    client.post(changelist, {"action": "unpublish", "_selected_action": [case.pk]})  # already: no row
    client.post(changelist, {"action": "publish", "_selected_action": [case.pk]})
    assert list(case.events.order_by("id").values_list("action", "actor")) == [
        ("unpublished", editor.pk),
        ("published", editor.pk),
    ]


def test_unpublishing_in_the_change_form_is_audited(client):
    case = CaseFactory(title="労災の事例", published=True)
    editor = make_staff("編集")
    client.force_login(editor)
    url = reverse("admin:consultations_case_change", args=[case.pk])
    data = {
        "external_id": case.external_id,
        "title": "労災の事例（改）",
        "category": case.category,
        "occupations": "[]",
        "memo": "",
        "question": case.question,
        "answer": case.answer,
        "published_at_0": "2025-04-01",
        "published_at_1": "09:00:00",
        "members_only": "",
    }
    assert client.post(url, data).status_code == 302
    case.refresh_from_db()
    assert not case.published and case.title == "労災の事例（改）"
    assert list(case.events.values_list("action", "actor")) == [("unpublished", editor.pk)]
    client.post(url, data)  # saved again, still unpublished: nothing to record
    assert case.events.count() == 1
    assert "非公開" in client.get(url).content.decode()


def test_import_that_unpublishes_a_case_is_audited():
    case = CaseFactory(external_id="C-1", published=True)
    line = json.dumps(
        {
            "external_id": "C-1",
            "title": case.title,
            "question": case.question,
            "answer": case.answer,
            "category": case.category,
            "published": False,
        },
        ensure_ascii=False,
    )
    services.cases_import(lines=[line], now=timezone.now())
    assert list(case.events.values_list("action", "actor", "note")) == [("unpublished", None, "取り込み")]


def test_export_and_account_deletion(member):
    ConsultationRequestFactory(user=member, what_happened="私の相談")
    LawyerReferralFactory(member=member)
    other = ConsultationRequestFactory(what_happened="他の人")
    data = account_export(user=member)
    assert data["メール相談"][0]["困っていること"] == "私の相談"
    assert len(data["弁護士相談サポート"]) == 1
    account_delete(user=member, now=timezone.now())
    assert list(ConsultationRequest.objects.all()) == [other]
    assert not LawyerReferral.objects.exists()


@pytest.mark.parametrize(
    "model",
    [
        "case",
        "glossaryterm",
        "answerentry",
        "usefullink",
        "consultationchannel",
        "lineconsultationday",
        "consultationrequest",
        "lawyer",
        "lawyerreferral",
    ],
)
def test_admin_pages_render(staff_client, member, model):
    CaseFactory()
    ConsultationRequestFactory()
    LawyerReferralFactory(member=member)
    LawyerFactory()
    assert staff_client.get(reverse(f"admin:consultations_{model}_changelist")).status_code == 200
    obj_model = {
        "case": CaseFactory,
        "consultationrequest": ConsultationRequestFactory,
        "lawyer": LawyerFactory,
    }.get(model)
    if obj_model:
        obj = obj_model()
        assert (
            staff_client.get(reverse(f"admin:consultations_{model}_change", args=[obj.pk])).status_code == 200
        )
