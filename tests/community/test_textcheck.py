"""Pure checks and rendering: no database."""

import pytest

from community import textcheck


@pytest.fixture(autouse=True)
def _clean_cache():
    """Pure functions: no cache, no database (overrides the project-wide fixture)."""
    yield


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("一行目\n二行目", "<p>一行目<br>\n二行目</p>"),
        ("段落1\n\n段落2", "<p>段落1</p>\n<p>段落2</p>"),
        ("- 見積書\n- 契約書", "<ul>\n<li>見積書</li>\n<li>契約書</li>\n</ul>"),
        ("1. 確認\n2. 相談", "<ol>\n<li>確認</li>\n<li>相談</li>\n</ol>"),
        (
            "https://www.mhlw.go.jp/ を見ました",
            '<p><a href="https://www.mhlw.go.jp/" rel="nofollow ugc noopener">'
            "https://www.mhlw.go.jp/</a> を見ました</p>",
        ),
        (
            "[ガイドライン](https://www.mhlw.go.jp/)",
            '<p><a href="https://www.mhlw.go.jp/" rel="nofollow ugc noopener">ガイドライン</a></p>',
        ),
        ("[x](javascript:alert(1))", '<p><a rel="nofollow ugc noopener">x</a></p>'),
        ("![画像](https://example.com/a.png)", "<p></p>"),
        ('<img src="x" onerror="alert(1)">', '<p>&lt;img src="x" onerror="alert(1)"&gt;</p>'),
        ("## 見出し", "見出し"),
    ],
)
def test_render_keeps_only_light_formatting(text, expected):
    assert textcheck.render(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("連絡は 090-1234-5678 まで", "電話番号"),
        ("連絡は０９０１２３４５６７８まで", "電話番号"),
        ("03-1234-5678 に電話しました", "電話番号"),
        ("taro@example.com に送って", "メールアドレス"),
        ("田中さんに言われました", "田中さん"),
        ("担当のヤマダ様が", "ヤマダ様"),
        ("<script>alert(1)</script>", "HTMLのタグ"),
    ],
)
def test_personal_info_warnings(text, fragment):
    warnings = textcheck.personal_info_warnings(text)
    assert any(fragment in w for w in warnings), warnings


@pytest.mark.parametrize(
    "text",
    [
        "お客様から急にキャンセルされました",
        "クライアントさんと相談して単価を上げました",
        "先方の担当者様にメールで確認しました",
        "報酬は月末締め翌月末払いで、30日以内にしてもらいました",
        "皆さんはどうしていますか？",
    ],
)
def test_ordinary_text_has_no_warning(text):
    assert textcheck.personal_info_warnings(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "JavaScript:alert(1)",
        "ｊａｖａｓｃｒｉｐｔ：alert(1)",
        "java\nscript:alert(1)",
        "vbscript:msgbox",
        "data:text/html,<b>x</b>",
    ],
)
def test_script_links_are_refused(text):
    assert textcheck.problems(text)


def test_ordinary_links_are_fine():
    assert textcheck.problems("https://www.mhlw.go.jp/ を参考にしました") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "前に、\n- 範囲\n- 回数\nを書き出す",
            "<p>前に、</p>\n<ul>\n<li>範囲</li>\n<li>回数</li>\n</ul>\n<p>を書き出す</p>",
        ),
        ("・見積書\n・契約書", "<ul>\n<li>見積書</li>\n<li>契約書</li>\n</ul>"),
        ("-3度でした\n1.5倍になった", "<p>-3度でした<br>\n1.5倍になった</p>"),
    ],
)
def test_lists_written_the_way_people_type_them(text, expected):
    assert textcheck.render(text) == expected
