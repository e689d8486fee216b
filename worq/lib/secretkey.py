"""Is a SECRET_KEY fit for production? Pure: no Django imports, so the
settings module and the ``check --deploy`` system check share it."""

import re
from pathlib import Path

MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 12
# Words that only ever appear in keys written as examples.
_PLACEHOLDER_WORDS = re.compile(
    r"change[-_ ]?me|changeme|insecure|placeholder|example|your[-_]?secret|secret[-_]?key|not[-_]?secret"
    r"|do[-_]?not[-_]?use|replace[-_]?me",
    re.IGNORECASE,
)
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?SECRET_KEY\s*=\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


def keys_in_text(text: str) -> set[str]:
    """Every literal ``SECRET_KEY=...`` value in a file (``.env.example``, docs)."""
    return {m.group(1) for m in _ENV_LINE.finditer(text) if not m.group(1).startswith("$")}


def repository_keys(root: Path) -> set[str]:
    """The keys written in the repository's example files: never real."""
    keys: set[str] = set()
    for name in (".env.example", "README.md", "docker-compose.yml"):
        path = root / name
        if path.is_file():
            keys |= keys_in_text(path.read_text(encoding="utf-8", errors="replace"))
    return keys


def secret_key_problem(key: str, *, known: set[str] | frozenset[str] = frozenset()) -> str | None:
    """Why ``key`` must not be used in production, or None when it is fine."""
    if not key:
        return "SECRET_KEY が設定されていません。"
    if key in known:
        return "SECRET_KEY がリポジトリに書かれている例の値のままです。"
    if len(key) < MIN_LENGTH:
        return f"SECRET_KEY が短すぎます（{MIN_LENGTH}文字以上が必要です）。"
    if _PLACEHOLDER_WORDS.search(key):
        return "SECRET_KEY が例の値（change-me など）のようです。"
    if len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return "SECRET_KEY がランダムな文字列ではありません。"
    return None


GENERATE_HINT = "生成するには: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
