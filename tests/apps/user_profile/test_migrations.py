"""The activity app's migrations reverse cleanly and apply again, trigger included."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import ProgrammingError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserAchievement, UserActivity, UserProfile, UserProfileStats
from apps.user_profile.services.backfill import activity_backfill
from apps.user_profile.services.events import record_event
from tests.apps.user_profile.test_backfill import build_history, event_set, stats_by_user
from tests.factories import UserFactory

# docs/operations.md, "Rollback": the last migration before the activity log.
ROLLBACK_TARGET = "0002_profiles_for_existing_users"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def tables() -> set[str]:
    return set(connection.introspection.table_names())


def trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'user_profile_useractivity'::regclass")
        return {row[0] for row in cursor.fetchall()}


def test_migrate_user_profile_zero_then_forward():
    # given: a player (the data migration must create their rows again)
    player = UserFactory()
    # when
    call_command("migrate", "user_profile", "zero", verbosity=0)
    dropped = {t for t in tables() if t.startswith("user_profile_")}
    call_command("migrate", verbosity=0)
    # then
    assert dropped == set()
    assert {"user_profile_useractivity", "user_profile_userprofilestats", "user_profile_userprofile"} <= tables()
    assert any("append_only" in name for name in trigger_names())
    assert UserProfileStats.objects.filter(user=player).exists()
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    # and the log works as before: recorded once, append-only
    activity_id = record_event(
        user_id=player.pk,
        event_type=E.TEAM_JOINED,
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        source_model="teams.teammembership",
        source_id=1,
    )
    assert UserProfileStats.objects.get(user=player).teams_joined == 1
    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM user_profile_useractivity WHERE id = %s", [activity_id])
    assert UserActivity.objects.filter(pk=activity_id).exists()


def test_rollback_to_the_documented_target_keeps_the_sources_and_a_backfill_rebuilds_the_log():
    # given: a history recorded live, achievement unlocks included
    build_history()
    events, stats = event_set(), stats_by_user()
    unlocks = set(UserAchievement.objects.values_list("user_id", "achievement__code", "unlocked_at"))
    profiles = UserProfile.objects.count()
    assert unlocks
    assert any(key[1] == "achievement_unlocked" for key in events)
    # when: rolled back before the activity log, then forward again and backfilled
    call_command("migrate", "user_profile", ROLLBACK_TARGET, verbosity=0)
    after_rollback = tables()
    call_command("migrate", verbosity=0)
    activity_backfill(record_run=False)
    # then: the log and its stats went, the data they derive from stayed, and the backfill rebuilt them exactly
    assert "user_profile_useractivity" not in after_rollback
    assert "user_profile_userprofilestats" not in after_rollback
    assert {"user_profile_achievement", "user_profile_userachievement", "user_profile_userprofile"} <= after_rollback
    assert set(UserAchievement.objects.values_list("user_id", "achievement__code", "unlocked_at")) == unlocks
    assert UserProfile.objects.count() == profiles
    assert event_set() == events
    assert stats_by_user() == stats


def test_no_model_change_lacks_a_migration():
    # when / then
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
