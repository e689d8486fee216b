"""Transactional tests (browser, broker) flush every table when they end;
conftest reloads the data the migrations loaded, so the next one finds it."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group


@pytest.mark.parametrize("turn", [1, 2])
@pytest.mark.django_db(transaction=True)
def test_migration_data_is_there_in_each_transactional_test(turn):
    assert apps.get_model("kyosai", "Product").objects.exists()
    assert apps.get_model("community", "Community").objects.exists()
    assert Group.objects.get(name="相談担当").permissions.exists()
    Group.objects.all().delete()  # the next turn finds them restored all the same
