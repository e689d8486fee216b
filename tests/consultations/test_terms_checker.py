"""The 取引条件チェッカー as a pure function: no database, no request."""

import datetime as dt
import json
from pathlib import Path

import pytest

from consultations.terms_checker import (
    ITEM_CODES,
    MAX_CHARS,
    TermsInputError,
    check_terms,
    draft_request,
)

TODAY = dt.date(2026, 11, 29)
EVAL = Path(__file__).parent / "terms_eval" / "texts.jsonl"

COMPLETE = """発注書
発注日：2026年6月1日
株式会社ブルーリーフ
山田 花子 様
内容：SEO記事3本の執筆
納期：2026年6月17日
納品方法：共有フォルダにアップロード
報酬：18,000円
支払期日：月末締め翌月末払い
"""


def items(text: str) -> dict:
    return check_terms(text, today=TODAY).as_dict()["items"]


def warnings(text: str) -> set[str]:
    return {w["code"] for w in check_terms(text, today=TODAY).as_dict()["warnings"]}


def test_complete_order_states_every_item_and_needs_no_inspection():
    assert items(COMPLETE) == {code: "stated" for code in ITEM_CODES} | {"inspection": "not_needed"}
    assert warnings(COMPLETE) == set()


def test_as_dict_is_exactly_the_interface_json():
    report = check_terms("前回と同じ条件でお願いします", today=TODAY)
    data = json.loads(json.dumps(report.as_dict(), ensure_ascii=False))
    assert set(data) == {"items", "warnings"}
    assert list(data["items"]) == list(ITEM_CODES)
    assert set(data["items"].values()) <= {"stated", "missing", "not_needed"}
    assert data["warnings"] == [{"code": "bare_reference", "message": data["warnings"][0]["message"]}]
    assert report.missing_codes == [c for c in ITEM_CODES if c != "inspection"]


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("支払期日：月末締め翌月末払い", "stated"),
        ("支払期日：2026年7月31日", "stated"),
        ("お支払い：令和８年７月３１日にお振込みします。", "stated"),
        ("支払：請求書受領後30日以内に振込", "missing"),
        ("支払：検収後、翌月末払い", "missing"),
        ("支払：2026年7月31日までにお振込みします", "missing"),
        ("支払：納品後30日以内", "missing"),
        ("お支払い時期は別途規約に定めるとおりとします。", "missing"),
    ],
)
def test_payment_due_rules(line, status):
    text = COMPLETE.replace("支払期日：月末締め翌月末払い", line)
    assert items(text)["payment_due"] == status


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("支払：請求書受領後30日以内に振込", "payment_due_on_invoice"),
        ("支払：検収後、翌月末払い", "payment_due_on_inspection"),
        ("支払：2026年7月31日までにお振込みします", "payment_due_until"),
        ("支払：月末締め翌々月末払い", "payment_over_60_days"),
        ("支払日：2026年9月30日", "payment_over_60_days"),
        ("支払：月末締め 90日後払い", "payment_over_60_days"),
    ],
)
def test_payment_warnings(line, code):
    text = COMPLETE.replace("支払期日：月末締め翌月末払い", line)
    assert code in warnings(text)


def test_monthly_closing_is_read_as_two_months():
    # 月末締め翌月末払い can reach day 61 or 62: not a breach (公取委 Q&A 問47)
    assert "payment_over_60_days" not in warnings(COMPLETE)
    text = COMPLETE.replace("支払期日：月末締め翌月末払い", "支払日：2026年8月14日")
    assert "payment_over_60_days" not in warnings(text)  # receipt 6/17 is day 1; 8/14 is day 59


def test_redelegation_needs_original_client_and_due_date():
    base = COMPLETE + "本件は、株式会社ABCトラベル様から当社が受託した業務の再委託です。\n"
    assert "redelegation_incomplete" in warnings(base)
    assert "redelegation_incomplete" not in warnings(base + "元委託支払期日：2026年7月20日\n")
    # a clause forbidding the freelancer to re-delegate is not a 再委託 notice
    assert "redelegation_incomplete" not in warnings(
        COMPLETE + "※受注者は、本件業務を第三者に再委託してはなりません。\n"
    )


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("発注日：令和8年6月1日", "commissioned_on"),
        ("発注日：二〇二六年六月一日", "commissioned_on"),
        ("発注日：２０２６年６月１日", "commissioned_on"),
        ("依頼日：2026/6/1", "commissioned_on"),
        ("納期：令和元年5月20日", "delivery"),
        ("報酬：金五万円", "fee"),
        ("報酬：金弐拾万円也", "fee"),
        ("報酬：時給千五百円", "fee"),
        ("報酬：１，８５０円", "fee"),
    ],
)
def test_dates_and_numerals_in_every_writing(text, item):
    assert items(text)[item] == "stated"


def test_a_date_that_does_not_exist_is_not_a_date():
    text = COMPLETE.replace("納期：2026年6月17日", "納期：2026年2月30日")
    assert items(text)["delivery"] == "missing"
    assert "invalid_date" in warnings(text)


def test_a_blank_form_is_not_filled_in():
    text = "発注日 平成〇〇年〇月〇日\n履行期限 平成○年○月○日\n"
    assert items(text)["commissioned_on"] == "missing"
    assert items(text)["delivery"] == "missing"
    assert "invalid_date" not in warnings(text)


def test_inspection():
    assert items(COMPLETE)["inspection"] == "not_needed"
    assert items(COMPLETE + "検収：納品後10日以内\n")["inspection"] == "stated"
    assert items(COMPLETE + "検収：納品後十日以内に完了します\n")["inspection"] == "stated"
    text = COMPLETE + "納品後、弊社にて検収させていただきます。\n"
    assert items(text)["inspection"] == "missing"
    assert "inspection_without_date" in warnings(text)


def test_a_customer_s_home_is_not_the_freelancer():
    text = "来月から毎週火曜、世田谷区奥沢の佐藤様宅で家事代行をお願いします。"
    assert items(text)["parties"] == "missing"
    assert items(text)["place"] == "stated"


def test_spans_point_into_the_text_as_written():
    text = "報酬：金　五万円\n納期：令和８年６月１７日"
    report = check_terms(text, today=TODAY)
    (b, e) = report.items["delivery"].spans[0]
    assert text[b:e] == "令和８年６月１７日"
    (b, e) = report.items["fee"].spans[0]
    assert "五万円" in text[b:e]


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_empty_text_is_refused(text):
    with pytest.raises(TermsInputError, match="空"):
        check_terms(text)


def test_too_long_text_is_refused():
    with pytest.raises(TermsInputError, match="50,000文字以内"):
        check_terms("あ" * (MAX_CHARS + 1))
    check_terms("あ" * MAX_CHARS)  # the limit itself is fine


def test_deterministic():
    text = EVAL.read_text(encoding="utf-8")[:5000]
    assert check_terms(text, today=TODAY).as_dict() == check_terms(text, today=TODAY).as_dict()


def test_draft_request_lists_exactly_the_missing_items():
    text = COMPLETE.replace("支払期日：月末締め翌月末払い\n", "").replace("発注日：2026年6月1日\n", "")
    report = check_terms(text, today=TODAY)
    assert report.missing_codes == ["commissioned_on", "payment_due"]
    draft = draft_request(report, client_name="株式会社ブルーリーフ", sender_name="山田花子")
    assert draft.startswith("株式会社ブルーリーフ様")
    assert "・業務を委託された日（発注日）" in draft
    assert "・報酬の支払期日" in draft
    assert "報酬の額" not in draft and "納期" not in draft
    assert "第3条" in draft and "書面" in draft
    assert draft.rstrip().endswith("山田花子")


def test_draft_request_is_empty_when_nothing_is_missing():
    assert draft_request(check_terms(COMPLETE, today=TODAY)) == ""


def test_eval_set_shape():
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 48
    assert {r["split"] for r in rows} == {"dev", "test"}
    assert {r["kind"] for r in rows} == {"order_form", "email", "chat", "pdf_like", "tricky"}
    for r in rows:
        assert set(r["expected"]) == set(ITEM_CODES)
