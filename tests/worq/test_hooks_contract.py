import inspect

import pytest
from django.utils import timezone

from members import services
from worq.lib.hooks import ACCOUNT_DATA_APPS, account_data_hooks


@pytest.mark.parametrize("hooks", account_data_hooks(), ids=ACCOUNT_DATA_APPS)
def test_every_app_offers_the_same_three_hooks(hooks):
    assert list(inspect.signature(hooks.export).parameters) == ["user"]
    assert list(inspect.signature(hooks.blockers).parameters) == ["user"]
    forget = inspect.signature(hooks.forget).parameters
    assert list(forget) == ["user", "now"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in forget.values())


def test_kyosai_hooks_do_not_import_views():
    import kyosai.hooks

    assert "kyosai.views" not in inspect.getsource(kyosai.hooks)


@pytest.mark.django_db
def test_account_deletion_removes_the_card_only_on_commit(member, django_capture_on_commit_callbacks):
    membership = member.membership
    services.membership_card_render(membership=membership, now=timezone.now())
    membership.refresh_from_db()
    storage, name = membership.card_pdf.storage, membership.card_pdf.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.account_delete(user=member, now=timezone.now())
    assert storage.exists(name)  # still there while the deletion could roll back

    for callback in callbacks:
        callback()
    assert not storage.exists(name)
