"""Who may join 労災保険特別加入 as a 特定フリーランス (FACTS.md §2).

Pure: answers in, refusals out. The wizard asks these questions; the service
checks the answers again before anything is saved."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    hint: str
    eligible_answer: str  # "yes" or "no"
    refusal: str
    source: str


QUESTIONS = (
    Question(
        code="rf_b2b",
        text="企業などの事業者から業務委託を受けて仕事をしていますか。",
        hint="個人のお客さま（消費者）からだけ仕事を受けている場合は「いいえ」です。",
        eligible_answer="yes",
        refusal=(
            "特定フリーランスの特別加入は、事業者から業務委託を受けて働く方が対象です。"
            "個人のお客さまからだけ仕事を受けている場合は加入できません。"
        ),
        source="https://jinjiken.co.jp/archives/custom_column/3049",
    ),
    Question(
        code="rf_staff",
        text="労働者を雇っていますか（1年に100日以上）。",
        hint="雇っていない場合、または雇うのが1年に100日未満の場合は「いいえ」です。",
        eligible_answer="no",
        refusal=(
            "1年に100日以上労働者を雇う方は、特定フリーランスとしては加入できません。"
            "どの制度に当たるかは、共済担当にご相談ください。"
        ),
        source="https://jtuc-freelance-rousai.org/faq.html",
    ),
    Question(
        code="rf_other",
        text="お仕事は、ほかの特別加入の区分（建設の一人親方、ITフリーランス、芸能関係など）に当たりますか。",
        hint="当たる場合は、その区分で加入することになっています。",
        eligible_answer="no",
        refusal=(
            "ほかの区分に当たるお仕事は、その区分で特別加入します。建設の一人親方の方は"
            "「労災保険特別加入（建設の一人親方）」を選んでください。ほかの区分は共済担当にご相談ください。"
        ),
        source="https://rouhoren-freelance.org",
    ),
)
ANSWERS = {"yes": "はい", "no": "いいえ"}


def refusals(answers: dict[str, str]) -> dict[str, str]:
    """{question code: why this answer rules the person out} for the answers given."""
    return {
        q.code: q.refusal
        for q in QUESTIONS
        if answers.get(q.code) in ANSWERS and answers[q.code] != q.eligible_answer
    }


def unanswered(answers: dict[str, str]) -> list[str]:
    return [q.code for q in QUESTIONS if answers.get(q.code) not in ANSWERS]


def eligible_answers() -> list[dict]:
    """The answers of an eligible freelancer, as stored on an application."""
    return [answer(q, q.eligible_answer) for q in QUESTIONS]


def answer(question: Question, value: str) -> dict:
    return {
        "id": question.code,
        "question": question.text,
        "product": "rosai_freelance",
        "is_sample": False,
        "answer": value,
    }
