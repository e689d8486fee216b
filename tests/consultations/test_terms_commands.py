"""manage.py check_terms / eval_terms / bench_terms (INTERFACES.md "Freelance Act tools")."""

import io
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

ORDER = """発注書
発注日：令和8年6月1日
株式会社ブルーリーフ
山田 花子 様
内容：SEO記事3本の執筆
納期：令和8年6月17日
報酬：金五万円
"""


def pdf_of(text: str) -> bytes:
    """A real PDF with a Japanese text layer (the bundled font, as our PDFs use)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    font = settings.WORQ_FONT_PATH.as_uri()
    body = "".join(f"<p>{line}</p>" for line in text.splitlines())
    html = (
        f"<html lang='ja'><head><style>@font-face{{font-family:J;src:url({font})}}"
        f"body{{font-family:J}}</style></head><body>{body}</body></html>"
    )
    return HTML(string=html).write_pdf(font_config=FontConfiguration())


def image_only_pdf() -> bytes:
    """A PDF with a picture and no text layer, like a scan."""
    from weasyprint import HTML

    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    return HTML(string=f"<img src='data:image/png;base64,{png}' width=200>").write_pdf()


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_terms", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_file_prints_exactly_the_interface_json(tmp_path, capsys):
    path = tmp_path / "order.txt"
    path.write_text(ORDER, encoding="utf-8")
    call_command("check_terms", str(path))
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "items": {
            "parties": "stated",
            "commissioned_on": "stated",
            "work": "stated",
            "delivery": "stated",
            "place": "missing",
            "fee": "stated",
            "payment_due": "missing",
            "inspection": "not_needed",
        },
        "warnings": [],
    }


def test_stdin_and_exit_codes_in_a_real_process():
    done = subprocess.run(
        [sys.executable, "manage.py", "check_terms", "-"],
        input=ORDER.encode(),
        capture_output=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert done.returncode == 0  # exit 0 whatever is missing
    assert json.loads(done.stdout)["items"]["payment_due"] == "missing"


def test_empty_stdin_exits_2(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8"))
    code, out, err = run("-")
    assert code == 2 and "空" in err and out == ""


def test_pdf_file_is_read(tmp_path, capsys):
    path = tmp_path / "order.pdf"
    path.write_bytes(pdf_of(ORDER + "支払期日：月末締め翌月末払い"))
    call_command("check_terms", str(path))
    items = json.loads(capsys.readouterr().out)["items"]
    assert items["payment_due"] == "stated"
    assert items["fee"] == "stated"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "ファイルを読めません"),
        (b"\xff\xfe\x00garbage\x81", "UTF-8"),
        ("image", "文字を読み取れません"),
        (b"%PDF-1.4 broken", "PDFを読み込めません"),
    ],
)
def test_unreadable_input_exits_2_with_a_japanese_message(tmp_path, content, message):
    path = tmp_path / "input"
    if content == "image":
        path.write_bytes(image_only_pdf())
    elif content is not None:
        path.write_bytes(content)
    code, _, err = run(str(path))
    assert code == 2
    assert message in err


def test_too_long_input_exits_2(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("あ" * 50_001, encoding="utf-8")
    code, _, err = run(str(path))
    assert code == 2 and "50,000文字以内" in err


def test_eval_terms_prints_per_item_figures_for_both_splits():
    out = io.StringIO()
    call_command("eval_terms", stdout=out)
    text = out.getvalue()
    assert "== split dev" in text and "== split test" in text and "== split fresh" in text
    for code in ("parties", "payment_due", "inspection"):
        assert code in text
    assert "warnings (all codes)" in text


def test_bench_terms_reports_median_and_p95():
    out = io.StringIO()
    call_command("bench_terms", "--runs", "3", stdout=out)
    assert "10,000 characters" in out.getvalue() and "p95" in out.getvalue()
