import json

import pytest
from django.core.management import CommandError, call_command

from consultations.models import Case, GlossaryTerm
from consultations.search import search_cases

pytestmark = pytest.mark.django_db


def write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows))
    return str(path)


def case_row(external_id="WQ-T-1", **extra):
    return {
        "external_id": external_id,
        "title": "配達中のけがと労災",
        "question": "配達中に転びました。",
        "answer": "労災保険の特別加入を確認しましょう。",
        "category": "労災・けが・病気",
        "occupations": ["配送・デリバリー・貨物"],
        "memo": "",
        **extra,
    }


def test_import_cases_creates_updates_and_is_searchable(tmp_path, capsys):
    path = write(
        tmp_path, "cases.jsonl", [case_row(), case_row("WQ-T-2", members_only=True, published=False)]
    )
    call_command("import_cases", path)
    assert "新規 2件" in capsys.readouterr().out
    assert [c.external_id for c in search_cases("労災")] == ["WQ-T-1"]
    assert Case.objects.get(external_id="WQ-T-2").members_only is True

    path = write(tmp_path, "cases.jsonl", [case_row(title="配達中のけがと補償")])
    call_command("import_cases", path)
    assert "更新 1件" in capsys.readouterr().out
    assert Case.objects.count() == 2
    assert [c.external_id for c in search_cases("補償")] == ["WQ-T-1"]
    call_command("import_cases", path)  # the same file again changes nothing
    assert "新規 0件、更新 0件" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "2行目: JSON として読めません"),
        (json.dumps(case_row("X", category="給料")), "2行目: category「給料」は相談カテゴリにありません"),
        (json.dumps(case_row("X", occupations=["宇宙飛行士"])), "2行目: occupations の「宇宙飛行士」"),
        (json.dumps(case_row("WQ-T-1")), "2行目: external_id「WQ-T-1」は1行目と重複"),
        (json.dumps({**case_row("X"), "title": ""}), "2行目: 「title」が空です"),
        (json.dumps(case_row("X", members_only="yes")), "2行目: 「members_only」は true か false"),
        ("[1, 2]", "2行目: 1行に1つの JSON オブジェクト"),
    ],
)
def test_import_cases_is_all_or_nothing(tmp_path, bad, message):
    path = write(tmp_path, "cases.jsonl", [case_row(), bad])
    with pytest.raises(CommandError) as exc:
        call_command("import_cases", path)
    assert message in str(exc.value)
    assert "何も保存していません" in str(exc.value)
    assert Case.objects.count() == 0


def test_import_missing_file():
    with pytest.raises(CommandError, match="ファイルが見つかりません"):
        call_command("import_cases", "/nonexistent.jsonl")


def test_import_glossary_with_aliases_and_related(tmp_path, capsys):
    rows = [
        {
            "term": "報酬",
            "reading": "ほうしゅう",
            "definition": "仕事の対価。",
            "aliases": ["ギャラ"],
            "related": ["支払期日", "ない用語"],
        },
        {"term": "支払期日", "reading": "しはらいきじつ", "definition": "払う日。"},
    ]
    call_command("import_glossary", write(tmp_path, "g.jsonl", rows))
    out = capsys.readouterr().out
    assert "新規 2件" in out and "ない用語" in out
    term = GlossaryTerm.objects.get(term="報酬")
    assert term.row == "は" and term.aliases == ["ギャラ"]
    assert [t.term for t in term.related.all()] == ["支払期日"]
    call_command("import_cases", write(tmp_path, "c.jsonl", [case_row(question="ギャラ が払われない")]))
    assert [c.external_id for c in search_cases("報酬")] == ["WQ-T-1"]


def test_import_glossary_rejects_non_kana_reading(tmp_path):
    rows = [{"term": "報酬", "reading": "housyu", "definition": "仕事の対価。"}]
    with pytest.raises(CommandError, match=r"1行目: .*ひらがな"):
        call_command("import_glossary", write(tmp_path, "g.jsonl", rows))
    assert not GlossaryTerm.objects.exists()


def test_rebuild_search_index(tmp_path, capsys):
    call_command("import_cases", write(tmp_path, "c.jsonl", [case_row()]))
    call_command("rebuild_search_index")
    assert "公開中の事例 1件" in capsys.readouterr().out
    assert [c.external_id for c in search_cases("労災")] == ["WQ-T-1"]
