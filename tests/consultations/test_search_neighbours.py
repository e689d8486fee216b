"""「似た相談事例」 worked out when vectors are written: each case's stored
list of nearest cases, kept exact as cases are added, read by the case page
without scanning the vectors."""

import time
import zlib

import numpy as np
import pytest
from django.core.management import call_command

from consultations import embeddings, search
from consultations.models import Case, CaseEmbedding
from tests.consultations.factories import CaseFactory

pytestmark = pytest.mark.django_db


class RandomBackend(embeddings.Backend):
    """A direction per text, fixed by the text: neighbours without meaning."""

    model_id = "hashing-ngrams-v1"

    def queries(self, texts):
        return embeddings.normalise(
            np.stack(
                [np.random.default_rng(zlib.crc32(t.encode())).normal(size=embeddings.DIM) for t in texts]
            )
        )

    passages = queries


@pytest.fixture
def random_vectors():
    embeddings.set_backend(RandomBackend())
    search.forget_copies()
    yield
    embeddings.reset()
    search.forget_copies()


def make(n, start=0):
    return [
        CaseFactory(external_id=f"N-{i}", title=f"事例 {i}", question=f"相談 {i}")
        for i in range(start, start + n)
    ]


def stored():
    return {
        c: [p[0] for p in pairs] for c, pairs in CaseEmbedding.objects.values_list("case_id", "neighbours")
    }


def exact():
    store = search.vectors()
    lists = search.neighbour_lists(store, np.arange(len(store.ids)))
    return {int(c): [p[0] for p in pairs] for c, pairs in zip(store.ids, lists, strict=True)}


def test_merge_keeps_the_nearest_and_replaces_changed_cases():
    old = [[1, 0.9], [2, 0.8], [3, 0.7]]
    assert (
        search.merge_neighbours(old, [[4, 0.85]], changed={4})
        == [[1, 0.9], [4, 0.85], [2, 0.8], [3, 0.7]][: search.NEIGHBOURS]
    )
    # Case 2 changed: its old place goes, its new score counts.
    assert search.merge_neighbours(old, [[2, 0.1]], changed={2}) == [[1, 0.9], [3, 0.7], [2, 0.1]]


def test_lists_stay_exact_as_cases_are_added(random_vectors, monkeypatch):
    monkeypatch.setattr(search, "NEIGHBOURS", 3)
    make(12)
    search.embed_cases()  # most cases new: every list worked out
    assert stored() == exact()
    assert CaseEmbedding.objects.filter(neighbour_floor__isnull=True).count() == 0
    for i in range(12, 16):  # one by one, as the embedding task after each save
        make(1, start=i)
        search.embed_cases(case_ids=[Case.objects.get(external_id=f"N-{i}").pk])
        assert stored() == exact()


def test_the_case_page_reads_the_stored_list(random_vectors, django_assert_num_queries):
    cases = make(6)
    search.embed_cases()
    search.forget_copies()
    with django_assert_num_queries(2):  # the list, then the cases; no vector copy
        found = search.similar_cases(cases[0], limit=3)
    assert [c.pk for c in found] == exact()[cases[0].pk][:3]


def test_unpublished_cases_are_left_out_of_stored_lists(random_vectors):
    cases = make(6)
    search.embed_cases()
    first = search.similar_cases(cases[0], limit=1)[0]
    first.published = False
    first.save()
    assert first not in search.similar_cases(cases[0], limit=5)
    assert len(search.similar_cases(cases[0], limit=5)) == 4


def test_a_case_without_a_list_is_scanned_until_rebuild(random_vectors, capsys):
    cases = make(5)
    search.embed_cases(neighbours=False)
    assert not CaseEmbedding.objects.filter(neighbour_floor__isnull=False).exists()
    assert [c.pk for c in search.similar_cases(cases[0], limit=2)] == exact()[cases[0].pk][:2]
    call_command("rebuild_search_index")
    assert "似た相談事例の一覧を 5件 作りました" in capsys.readouterr().out
    assert stored() == exact()


# --- The vector copy at scale reloads in a thread --------------------------------------
def test_a_large_copy_reloads_in_a_thread_while_searches_go_on(transactional_db, random_vectors, monkeypatch):
    """Another process wrote a vector: the next search is served by the old
    copy at once (a load takes seconds at 100,000 vectors); the new copy
    replaces it when loaded. A write in this process still drops it at once."""
    monkeypatch.setattr(search._vectors, "background_from", 3)
    cases = make(4)
    search.embed_cases()
    old = search.vectors()
    assert len(old.ids) == 4
    newcomer = make(1, start=4)[0]
    search.EMBED_ON_SAVE = False
    try:
        search.embed_cases(case_ids=[newcomer.pk])  # as the worker would, but this process forgets...
    finally:
        search.EMBED_ON_SAVE = True
    search._vectors.value, search._vectors.stamp = old, ("stale",)  # ...so: as another process
    search._vectors.checked = 0.0
    assert search.vectors() is old  # no wait for the reload
    for _ in range(200):
        if search._vectors.value is not old:
            break
        time.sleep(0.02)
    assert newcomer.pk in search.vectors().row_of
    cases[0].published = False
    cases[0].save()  # a write here: gone from the copy at once
    assert cases[0].pk not in search.vectors().row_of


def test_a_case_withdrawn_since_the_copy_was_made_never_shows(random_vectors):
    cases = make(3)
    search.embed_cases()
    stale = search.vectors()
    Case.objects.filter(pk=cases[0].pk).update(published=False)  # no signal: the copy keeps it
    search._vectors.value, search._vectors.checked = stale, time.monotonic()
    assert cases[0].pk in search.vectors().row_of
    found = search.search_cases("事例 0 相談 0", limit=5)
    assert cases[0] not in found and found


def test_the_nightly_task_remakes_every_list_after_a_case_changed(random_vectors, monkeypatch):
    from django.conf import settings

    from consultations import tasks

    monkeypatch.setattr(search, "NEIGHBOURS", 3)
    cases = make(8)
    search.embed_cases()
    case = cases[0]
    case.title = "書き直した事例"  # a new text: a new vector, far from its old place
    case.save()
    search.embed_cases(case_ids=[case.pk])
    assert tasks.refresh_similar_cases.delay().get() == 8
    assert stored() == exact()
    schedule = settings.CELERY_BEAT_SCHEDULE["consultations-refresh-similar-cases"]
    assert schedule["task"] in tasks.refresh_similar_cases.app.tasks


@pytest.mark.parametrize("task", ["refresh_similar_cases", "embed_stale_cases"])
def test_the_beat_tasks_do_nothing_without_a_model(settings, task):
    from consultations import tasks

    settings.EMBEDDINGS_BACKEND = "off"
    embeddings.reset()
    try:
        assert getattr(tasks, task).delay().get() == 0
    finally:
        embeddings.reset()


def test_the_catch_up_task_makes_vectors_a_new_model_lacks_a_batch_at_a_time(random_vectors, monkeypatch):
    """After a deploy that changes the model, every stored vector is of the
    old one: the beat task re-makes them, oldest first, a batch per run, and
    their similar-case lists with them."""
    from django.conf import settings

    from consultations import tasks

    cases = make(7)
    search.embed_cases()
    CaseFactory(external_id="N-hidden", published=False)  # never embedded: not published

    class Newer(RandomBackend):
        model_id = "a-newer-model"

    embeddings.set_backend(Newer())
    search.forget_copies()
    assert len(search.vectors().ids) == 0  # none of the current model: search answers by words
    monkeypatch.setattr(search, "STALE_BATCH", 4)
    assert tasks.embed_stale_cases.delay().get() == 4
    current = CaseEmbedding.objects.filter(digest__startswith=search._model_prefix())
    assert sorted(current.values_list("case_id", flat=True)) == [c.pk for c in cases[:4]]
    assert tasks.embed_stale_cases.delay().get() == 3
    assert tasks.embed_stale_cases.delay().get() == 0  # nothing left: a cheap no-op
    assert current.count() == 7 == CaseEmbedding.objects.count()
    assert stored() == exact()
    schedule = settings.CELERY_BEAT_SCHEDULE["consultations-embed-stale-cases"]
    assert schedule["task"] in tasks.embed_stale_cases.app.tasks


def test_embedding_a_case_again_replaces_its_row_and_restarts_its_list(random_vectors):
    cases = make(3)
    search.embed_cases()
    search.refresh_neighbours()
    before = CaseEmbedding.objects.get(case=cases[0])
    assert before.neighbour_floor is not None
    assert search.embed_cases(case_ids=[cases[0].pk], force=True, neighbours=False) == 1
    after = CaseEmbedding.objects.get(case=cases[0])
    assert CaseEmbedding.objects.count() == 3
    assert after.updated_at >= before.updated_at and after.neighbours == [] and after.neighbour_floor is None


@pytest.mark.django_db(transaction=True)
def test_two_writers_of_one_case_vector_both_succeed(random_vectors):
    """The catch-up task and a save's task may embed the same case at once:
    the second waits for the first and overwrites it (delete + insert failed
    here with a duplicate key)."""
    import threading

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        # The SQLite test database is shared-cache in memory: a second writer
        # fails at once with "database table is locked" instead of waiting.
        pytest.skip("同時に書くテストは PostgreSQL で行います（SQLite はデータベース全体を鍵にします）")
    case = make(1)[0]
    first_wrote, release = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                search.embed_cases(case_ids=[case.pk], force=True, neighbours=False)
                first_wrote.set()
                release.wait(10)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def second():
        try:
            first_wrote.wait(10)
            search.embed_cases(case_ids=[case.pk], force=True, neighbours=False)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_wrote.wait(10)
    time.sleep(0.3)  # the second is now waiting on the first's row
    release.set()
    for t in threads:
        t.join(20)
    assert errors == []
    assert CaseEmbedding.objects.filter(case=case).count() == 1
