import smtplib

import pytest

from magazine import frontmatter, letters

# The code under test is pure; the mark is only for conftest's autouse cache
# reset, which uses the database cache when REDIS_URL is unset.
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[記事](https://worq.example.jp/a)", "記事（https://worq.example.jp/a）"),
        ("[押して](javascript:alert(1))", "押して"),
        ("**大事**なこと", "大事なこと"),
        ("![図の説明](/media/x.png)", "（画像：図の説明）"),
        ("<https://worq.example.jp/>", "https://worq.example.jp/"),
        ("<script>alert(1)</script>注意 & 確認 <b>太字</b>", "注意 & 確認 太字"),
        ("1 < 2 > 0", "1 < 2 > 0"),
    ],
)
def test_markdown_to_text(source, expected):
    assert letters.markdown_to_text(source).strip() == expected


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (smtplib.SMTPServerDisconnected("closed"), True),
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (smtplib.SMTPRecipientsRefused({"a@x.jp": (450, b"try later")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x.jp": (550, b"no such user")}), False),
        (smtplib.SMTPDataError(421, b"busy"), True),
        (smtplib.SMTPDataError(554, b"rejected"), False),
        (ValueError("bad header"), False),
    ],
)
def test_transient_or_permanent(exc, transient):
    assert letters.is_transient(exc) is transient


def test_describe_bounce():
    exc = smtplib.SMTPRecipientsRefused({"a@x.jp": (550, b"5.1.1 User unknown")})
    assert letters.describe(exc) == "受信を拒否されました（a@x.jp: 550 5.1.1 User unknown）"


def test_build_message_fills_personal_link():
    letter = letters.Letter(
        subject="件名",
        text=f"停止: {letters.UNSUBSCRIBE_PLACEHOLDER}",
        html=f'<a href="{letters.UNSUBSCRIBE_PLACEHOLDER}">停止</a>',
    )
    message = letters.build_message(letter=letter, to="a@x.jp", unsubscribe_url="https://u/1/")
    assert message.body == "停止: https://u/1/"
    assert 'href="https://u/1/"' in message.alternatives[0][0]
    raw = message.message().as_string()
    assert "List-Unsubscribe: <https://u/1/>" in raw
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw


def test_frontmatter_reads_lists_and_body():
    meta, body = frontmatter.parse("---\ntitle: 題名: 副題\ntags: 契約, 報酬\n---\n\n本文\n")
    assert meta == {"title": "題名: 副題", "tags": ["契約", "報酬"]}
    assert body == "本文\n"


@pytest.mark.parametrize("text", ["title: x\n", "---\ntitle: x\n", "---\nno colon\n---\n"])
def test_frontmatter_errors(text):
    with pytest.raises(frontmatter.FrontMatterError):
        frontmatter.parse(text)
