"""Posting limits as pure functions: every cell of the policy."""

import datetime as dt

import pytest

from community import rules

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Pure functions: no cache, no database (overrides the project-wide fixture)."""
    yield


def facts(*, joined_ago, posts=0, last_ago=None, last_in_topic_ago=None, slow=0):
    return rules.PostingFacts(
        now=NOW,
        joined_at=NOW - joined_ago,
        posts_since_joining=posts,
        last_post_at=NOW - last_ago if last_ago is not None else None,
        last_post_in_topic_at=NOW - last_in_topic_ago if last_in_topic_ago is not None else None,
        slow_mode_seconds=slow,
    )


def test_new_account_may_post_first_time():
    assert rules.posting_refusal(facts(joined_ago=dt.timedelta(minutes=5))) is None


@pytest.mark.parametrize("posts", [0, 1, 2])
def test_new_account_under_daily_limit(posts):
    f = facts(joined_ago=dt.timedelta(hours=3), posts=posts, last_ago=dt.timedelta(minutes=10))
    assert rules.posting_refusal(f) is None


def test_new_account_daily_limit_reached():
    f = facts(joined_ago=dt.timedelta(hours=20), posts=3, last_ago=dt.timedelta(hours=1))
    message = rules.posting_refusal(f)
    assert "最初の1日" in message and "3件まで" in message and "4時間" in message


def test_new_account_minimum_interval():
    f = facts(joined_ago=dt.timedelta(hours=1), posts=1, last_ago=dt.timedelta(seconds=30))
    message = rules.posting_refusal(f)
    assert "間をあけて" in message and "2分" in message


def test_interval_passed():
    f = facts(joined_ago=dt.timedelta(hours=1), posts=1, last_ago=dt.timedelta(minutes=3))
    assert rules.posting_refusal(f) is None


def test_settled_account_has_no_daily_limit():
    f = facts(joined_ago=dt.timedelta(days=2), posts=50, last_ago=dt.timedelta(seconds=5))
    assert rules.posting_refusal(f) is None


def test_slow_mode_applies_to_everyone():
    f = facts(
        joined_ago=dt.timedelta(days=200),
        posts=5,
        last_ago=dt.timedelta(seconds=10),
        last_in_topic_ago=dt.timedelta(seconds=10),
        slow=600,
    )
    message = rules.posting_refusal(f)
    assert "スローモード" in message and "10分" in message


def test_slow_mode_passed():
    f = facts(joined_ago=dt.timedelta(days=200), last_in_topic_ago=dt.timedelta(seconds=601), slow=600)
    assert rules.posting_refusal(f) is None


@pytest.mark.parametrize(("minutes", "allowed"), [(0, True), (59, True), (60, True), (61, False)])
def test_edit_window(minutes, allowed):
    created = NOW - dt.timedelta(minutes=minutes)
    assert rules.can_edit(created_at=created, now=NOW) is allowed
