"""Profiles come with the user; deleting an account erases its events and stats, and only those."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import User
from django.db import ProgrammingError, connection, transaction

from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create
from apps.user_profile.models import UserActivity, UserProfile, UserProfileStats
from apps.user_profile.services.account import profile_ensure, user_account_delete, user_activity_erase
from tests.factories import UserFactory, enter, make_tournament, play

pytestmark = pytest.mark.django_db

profiles_migration = importlib.import_module("apps.user_profile.migrations.0002_profiles_for_existing_users")
stats_migration = importlib.import_module("apps.user_profile.migrations.0003_reconcile_run")


def test_creating_a_user_creates_profile_and_stats():
    # when
    user = User.objects.create_user(username="newcomer")
    # then
    assert UserProfile.objects.get(user=user).display_name == ""
    stats = UserProfileStats.objects.get(user=user)
    assert stats.to_dict()["matches_played"] == 0
    assert stats.first_activity_at is None


def test_profile_ensure_creates_missing_rows_and_is_idempotent():
    # given: a user whose rows went missing
    user = UserFactory()
    UserProfileStats.objects.filter(user=user).delete()
    UserProfile.objects.filter(user=user).delete()
    # when
    first = profile_ensure(user_id=user.pk)
    second = profile_ensure(user_id=user.pk)
    # then
    assert first.pk == second.pk == user.pk
    assert UserProfile.objects.filter(user=user).count() == 1
    assert UserProfileStats.objects.filter(user=user).count() == 1
    assert str(first) == user.username


def test_data_migration_creates_profiles_and_stats_for_users_lacking_them():
    # given: two users without rows and one with them
    bare_a, bare_b, complete = UserFactory(), UserFactory(), UserFactory()
    UserProfile.objects.filter(user__in=[bare_a, bare_b]).delete()
    UserProfileStats.objects.filter(user__in=[bare_a, bare_b]).delete()
    UserProfile.objects.filter(user=complete).update(display_name="Kept")
    # when
    profiles_migration.create_missing_profiles(global_apps, None)
    stats_migration.create_missing_stats(global_apps, None)
    # then
    ids = {bare_a.pk, bare_b.pk, complete.pk}
    assert set(UserProfile.objects.filter(user_id__in=ids).values_list("user_id", flat=True)) == ids
    assert set(UserProfileStats.objects.filter(user_id__in=ids).values_list("user_id", flat=True)) == ids
    assert UserProfile.objects.get(user=complete).display_name == "Kept"


def _history(player: User) -> None:
    opponent = UserFactory()
    tournament = make_tournament()
    ra, rb = enter(tournament, player), enter(tournament, opponent)
    play(tournament, ra, rb, winner=ra)
    transaction_create(user=player, amount=40, reason=DeltaCrownTransaction.Reason.DAILY_REWARD)


def test_user_activity_erase_removes_only_that_users_events_and_stats():
    # given
    gone, stays = UserFactory(), UserFactory()
    _history(gone)
    _history(stays)
    gone_events = UserActivity.objects.filter(user=gone).count()
    stays_events = UserActivity.objects.filter(user=stays).count()
    # when
    erased = user_activity_erase(user_id=gone.pk)
    # then
    assert erased == gone_events == 5
    assert not UserActivity.objects.filter(user=gone).exists()
    assert not UserProfileStats.objects.filter(user=gone).exists()
    assert UserActivity.objects.filter(user=stays).count() == stays_events
    assert UserProfileStats.objects.get(user=stays).matches_won == 1


def test_the_append_only_trigger_is_back_after_an_erase():
    # given
    gone, stays = UserFactory(), UserFactory()
    _history(stays)
    # when
    user_activity_erase(user_id=gone.pk)
    # then
    with (
        pytest.raises(ProgrammingError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM user_profile_useractivity WHERE user_id = %s", [stays.pk])
    assert UserActivity.objects.filter(user=stays).count() == 5


@pytest.mark.parametrize("delete", [lambda user: user.delete(), lambda user: user_account_delete(user=user)])
def test_deleting_a_user_erases_events_and_stats(delete):
    # given
    player = UserFactory()
    _history(player)
    player_id = player.pk
    assert UserActivity.objects.filter(user_id=player_id).count() == 5
    # when
    delete(player)
    # then
    assert not User.objects.filter(pk=player_id).exists()
    assert not UserActivity.objects.filter(user_id=player_id).exists()
    assert not UserProfileStats.objects.filter(user_id=player_id).exists()
    assert not UserProfile.objects.filter(user_id=player_id).exists()
