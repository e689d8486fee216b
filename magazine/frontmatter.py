"""A small front-matter reader for the demo article files (no YAML dependency).

Format: a block between two ``---`` lines of ``key: value`` pairs; ``tags``
and ``related_terms`` are comma-separated lists.
"""

LIST_KEYS = {"tags", "related_terms", "related_cases"}


class FrontMatterError(ValueError):
    pass


def parse(text: str) -> tuple[dict, str]:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError("先頭に --- で囲んだ項目がありません。")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration as exc:
        raise FrontMatterError("項目の終わりの --- がありません。") from exc
    meta: dict = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise FrontMatterError(f"{number}行目に「項目名: 値」の形でない行があります。")
        key, value = key.strip(), value.strip().strip('"').strip("'")
        if key in LIST_KEYS:
            meta[key] = [item.strip() for item in value.strip("[]").split(",") if item.strip()]
        else:
            meta[key] = value
    body = "\n".join(lines[end + 1 :]).strip() + "\n"
    return meta, body
