"""Demo content: cases, glossary, answer collection, links, channels, lawyers.

Loaded through the same services as the import commands. Idempotent: every
row is keyed (external_id, term, question, url, kind, date, name), so running
it twice changes nothing.
"""

import datetime as dt
import json
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consultations import search, services
from consultations.models import (
    AnswerEntry,
    Case,
    ConsultationChannel,
    ConsultationRequest,
    EngagementRecord,
    GlossaryTerm,
    Lawyer,
    LawyerReferral,
    LineConsultationDay,
    UsefulLink,
)
from members.models import User

DEMO_DIR = Path(__file__).resolve().parent / "demo"


def _lines(name: str) -> list[str]:
    path = DEMO_DIR / name
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _records(name: str) -> list[dict]:
    return [json.loads(line) for line in _lines(name) if line.strip()]


# Demo cases carry dates spread over the past, one every few days back from a
# fixed day, so the demo looks like a site that has grown (and loading it twice
# changes nothing). Real imports carry their own ``published_at``.
DEMO_DATES_FROM = dt.date(2026, 11, 20)
DEMO_DATES_EVERY = dt.timedelta(days=4)


def _dated(lines: list[str]) -> list[str]:
    dated = []
    for index, line in enumerate(line for line in lines if line.strip()):
        record = json.loads(line)
        record.setdefault("published_at", (DEMO_DATES_FROM - index * DEMO_DATES_EVERY).isoformat())
        dated.append(json.dumps(record, ensure_ascii=False))
    return dated


def load(*, stdout) -> str:
    now = timezone.now()
    # Glossary first: cases may name their related terms.
    services.glossary_import(lines=_lines("glossary.jsonl"), now=now)
    services.cases_import(lines=_dated(_lines("cases.jsonl")), now=now)
    search.forget_synonyms()
    # Unchanged cases are not saved again, so no embedding task runs for them:
    # vectors made by an earlier model (an older checkout's demo database) are
    # re-made here, or semantic search would stay off. Current ones are kept.
    search.embed_cases()
    for order, record in enumerate(_records("answers.jsonl"), start=1):
        AnswerEntry.objects.get_or_create(
            category=record["category"],
            question=record["question"],
            defaults={"answer": record["answer"], "order": order * 10},
        )
    for order, record in enumerate(_records("links.jsonl"), start=1):
        UsefulLink.objects.get_or_create(
            category=record["category"],
            url=record["url"],
            defaults={"title": record["title"], "description": record["description"], "order": order * 10},
        )
    _channels(now)
    _demo_requests(now)
    _demo_engagement(now)
    return (
        f"{Case.objects.count()} cases, {GlossaryTerm.objects.count()} terms, "
        f"{AnswerEntry.objects.count()} answers, {UsefulLink.objects.count()} links, "
        f"{Lawyer.objects.count()} lawyers"
    )


def _channels(now: dt.datetime) -> None:
    data = json.loads((DEMO_DIR / "channels.json").read_text(encoding="utf-8"))
    for channel in data["channels"]:
        ConsultationChannel.objects.get_or_create(kind=channel["kind"], defaults=channel)
    days = data["line_days"]
    start, end = dt.time.fromisoformat(days["start"]), dt.time.fromisoformat(days["end"])
    day = timezone.localdate(now)
    added = 0
    while added < days["count"]:
        day += dt.timedelta(days=1)
        if day.weekday() == days["weekday"]:
            LineConsultationDay.objects.get_or_create(
                date=day, defaults={"start_time": start, "end_time": end, "note": days["note"]}
            )
            added += 1
    for lawyer in data["lawyers"]:
        Lawyer.objects.get_or_create(name=lawyer["name"], defaults=lawyer)


def _demo_requests(now: dt.datetime) -> None:
    """One answered e-mail consultation and one lawyer referral, so マイページ
    and the admin have something to show."""
    sakura = User.objects.filter(email="sakura@example.jp").first()
    if sakura and not ConsultationRequest.objects.filter(user=sakura).exists():
        consultation = services.consultation_request_submit(
            user=sakura,
            now=now,
            data={
                "email": sakura.email,
                "name": "さくら",
                "category": "報酬・支払い",
                "occupation": "IT・クリエイティブ・ライター",
                "prefecture": "東京都",
                "what_happened": "（デモ）納品したイラストの報酬が、約束の日を過ぎても払われません。",
                "what_wanted": "払ってもらいたいです。",
            },
        )
        staff = User.objects.filter(email="staff@worq.example.jp").first()
        services.consultation_request_update(
            consultation=consultation,
            actor=staff,
            status=ConsultationRequest.Status.ANSWERED,
            internal_notes="（デモ）",
            reply=(
                "（デモの回答です）まず、金額と納品日がわかるメールやチャットを保存してください。"
                "そのうえで、支払期日を区切った請求書をあらためて送りましょう。"
            ),
            now=now,
        )
    kenta = User.objects.filter(email="kenta@example.jp").first()
    if kenta and not LawyerReferral.objects.filter(member=kenta).exists():
        services.lawyer_referral_submit(
            member=kenta,
            now=now,
            data={
                "category": "契約解除・打ち切り",
                "prefecture": "大阪府",
                "summary": "（デモ）1年以上続いた配送の業務委託を、予告なく打ち切られました。",
                "preferred_times": "平日の夜",
                "online_ok": True,
            },
        )


DEMO_CLIENT = "（デモ）株式会社サンプルデザイン"
DEMO_CLIENT_MESSAGE = (
    "さくら様\n"
    "いつもお世話になっております。サンプルデザインの田中です。\n"
    "先日お話ししたWebサイト用のイラスト5点、ぜひお願いします。\n"
    "報酬は前回と同じでお願いできればと思います。\n"
    "お支払いは請求書をいただいてから、経理で処理します。\n"
    "よろしくお願いいたします。"
)


def _one_page_pdf(line: str) -> bytes:
    """A minimal valid PDF showing one ASCII line: a stand-in for the member's
    saved copy of the order e-mail."""
    stream = f"BT /F1 18 Tf 72 760 Td ({line}) Tj ET".encode()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n%s\nendstream" % (len(stream), stream),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj%s endobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _demo_engagement(now: dt.datetime) -> None:
    """A 取引記録 for さくら: delivered 75 days ago with payment agreed for
    today, unpaid, so the lawful due date (day 60) has passed; the client's
    message checked and one evidence file."""

    sakura = User.objects.filter(email="sakura@example.jp").first()
    if sakura is None or EngagementRecord.objects.filter(owner=sakura, client_name=DEMO_CLIENT).exists():
        return
    today = timezone.localdate(now)
    record = services.engagement_create(
        owner=sakura,
        now=now,
        data={
            "client_name": DEMO_CLIENT,
            "client_has_employees": EngagementRecord.Employees.YES,
            "start_on": today - dt.timedelta(days=90),
            "work": "（デモ）Webサイト用のイラスト5点の制作",
            "fee": 75000,
            "fee_note": "1点15,000円（税込み）",
            "delivered_on": today - dt.timedelta(days=75),
            # 「翌々月払い」: later than the Act allows, so its 60th day applies.
            "agreed_due_on": today,
        },
    )
    services.engagement_save_terms_check(record=record, text=DEMO_CLIENT_MESSAGE, now=now)
    services.evidence_add(
        record=record,
        upload=SimpleUploadedFile("発注メールの控え.pdf", _one_page_pdf("Demo: order e-mail, saved copy")),
        content_type="application/pdf",
        note="（デモ）発注のメールを PDF にして保存したもの",
        now=now,
    )
