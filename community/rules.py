"""Posting rules as pure functions (no ORM): new-account limits, topic slow
mode and the edit window. Services gather the facts and ask these."""

import datetime as dt
from dataclasses import dataclass

# House policy, not a figure from a source: keep the first day calm.
NEW_ACCOUNT_PERIOD = dt.timedelta(days=1)
NEW_ACCOUNT_MAX_POSTS = 3
NEW_ACCOUNT_MIN_INTERVAL = dt.timedelta(minutes=2)
EDIT_WINDOW = dt.timedelta(minutes=60)
MAX_BODY_LENGTH = 4000
AUTO_HIDE_REPORTERS = 3


@dataclass(frozen=True)
class PostingFacts:
    now: dt.datetime
    joined_at: dt.datetime
    # Posts and replies the person wrote since joining, if still in the first day.
    posts_since_joining: int
    last_post_at: dt.datetime | None
    last_post_in_topic_at: dt.datetime | None
    slow_mode_seconds: int


def wait_text(delta: dt.timedelta) -> str:
    seconds = max(1, int(delta.total_seconds() + 0.999))
    if seconds < 60:
        return f"{seconds}秒"
    minutes = (seconds + 59) // 60
    if minutes < 60:
        return f"{minutes}分"
    hours, rest = divmod(minutes, 60)
    return f"{hours}時間{rest}分" if rest else f"{hours}時間"


def posting_refusal(facts: PostingFacts) -> str | None:
    """Why this person may not post right now (a Japanese sentence), or None."""
    new_account = facts.now - facts.joined_at < NEW_ACCOUNT_PERIOD
    if new_account and facts.posts_since_joining >= NEW_ACCOUNT_MAX_POSTS:
        wait = facts.joined_at + NEW_ACCOUNT_PERIOD - facts.now
        return (
            f"登録して最初の1日は、投稿と返信をあわせて{NEW_ACCOUNT_MAX_POSTS}件までにしています。"
            f"あと{wait_text(wait)}ほどで、また投稿できるようになります。"
        )
    if new_account and facts.last_post_at is not None:
        wait = facts.last_post_at + NEW_ACCOUNT_MIN_INTERVAL - facts.now
        if wait > dt.timedelta(0):
            return (
                "登録して最初の1日は、続けて投稿するときに少し間をあけていただいています。"
                f"あと{wait_text(wait)}ほど待ってから、もう一度送ってください。"
            )
    if facts.slow_mode_seconds and facts.last_post_in_topic_at is not None:
        wait = facts.last_post_in_topic_at + dt.timedelta(seconds=facts.slow_mode_seconds) - facts.now
        if wait > dt.timedelta(0):
            return (
                "このお題は、ゆっくり話せるように投稿の間隔をあけていただいています（スローモード）。"
                f"あと{wait_text(wait)}ほど待ってから、もう一度送ってください。"
            )
    return None


def can_edit(*, created_at: dt.datetime, now: dt.datetime) -> bool:
    return now - created_at <= EDIT_WINDOW
