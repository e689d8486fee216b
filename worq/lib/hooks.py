"""Extension points the site shell offers to the feature apps.

Each app registers its parts in ``AppConfig.ready()`` so the shell (home page,
マイページ, data export, account deletion) never imports a feature app
directly and no app edits another's templates.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Any

# The apps that hold personal data. Each one's ``hooks.py`` offers the same
# three functions, which the account export and deletion (members.services)
# call in this order:
#   export(user) -> {"section name": JSON-serialisable data}
#   blockers(user) -> Japanese sentences saying what must happen before the
#       account can be deleted (empty when nothing blocks)
#   forget(*, user, now) -> None: remove or anonymise the app's personal data,
#       inside the deletion's transaction; files are deleted on commit.
ACCOUNT_DATA_APPS = ["consultations", "kyosai", "community", "magazine", "opinionbox"]


def account_data_hooks() -> list[ModuleType]:
    return [import_module(f"{app}.hooks") for app in ACCOUNT_DATA_APPS]


@dataclass(frozen=True)
class KeyNumber:
    order: int
    label: str
    unit: str
    count: Callable[[], int]


@dataclass(frozen=True)
class MypageSection:
    order: int
    template: str
    # Returns the template context for this user, or None to hide the section.
    context: Callable[[Any], dict | None]


@dataclass(frozen=True)
class SearchSection:
    order: int
    # (query) -> {"title": str, "template": str, "items": list, "more_url": str | None} or None
    search: Callable[[str], dict | None]


@dataclass(frozen=True)
class NewsSource:
    order: int
    label: str
    # (limit) -> [{"title": str, "url": str, "date": date | datetime}], newest first
    items: Callable[[int], list[dict]]


@dataclass
class Registry:
    key_numbers: list[KeyNumber] = field(default_factory=list)
    mypage_sections: list[MypageSection] = field(default_factory=list)
    # Extra sections on the site search results page (e.g. magazine articles).
    search_sections: list[SearchSection] = field(default_factory=list)
    # The home page's 新着 section: what each app published last.
    news_sources: list[NewsSource] = field(default_factory=list)


registry = Registry()


def register_key_number(*, order: int, label: str, unit: str, count: Callable[[], int]) -> None:
    registry.key_numbers.append(KeyNumber(order, label, unit, count))
    registry.key_numbers.sort(key=lambda k: k.order)


def register_mypage_section(*, order: int, template: str, context: Callable[[Any], dict | None]) -> None:
    registry.mypage_sections.append(MypageSection(order, template, context))
    registry.mypage_sections.sort(key=lambda s: s.order)


def register_search_section(*, order: int, search: Callable[[str], dict | None]) -> None:
    registry.search_sections.append(SearchSection(order, search))
    registry.search_sections.sort(key=lambda s: s.order)


def register_news_source(*, order: int, label: str, items: Callable[[int], list[dict]]) -> None:
    registry.news_sources.append(NewsSource(order, label, items))
    registry.news_sources.sort(key=lambda s: s.order)
