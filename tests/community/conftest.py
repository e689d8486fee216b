import pytest

from tests.community.factories import SettledUserFactory, TopicFactory


@pytest.fixture
def topic(db):
    return TopicFactory(title="報酬の交渉どうしてる？")


@pytest.fixture
def poster(db):
    return SettledUserFactory(email="poster@example.jp", nickname="ながく使う人")


@pytest.fixture
def poster_client(client, poster):
    client.force_login(poster)
    return client
