"""The activity log is append-only: the ORM refuses changes and the database trigger rejects raw SQL."""

from datetime import UTC, datetime

import pytest
from django.db import ProgrammingError, connection, transaction

from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import ImmutableActivityError, UserActivity, UserProfileStats
from apps.user_profile.services.events import record_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def event() -> UserActivity:
    user = UserFactory()
    activity_id = record_event(
        user_id=user.pk, event_type=E.TEAM_JOINED, timestamp=T0, source_model="teams.teammembership", source_id=5
    )
    return UserActivity.objects.get(pk=activity_id)


def assert_unchanged(event: UserActivity) -> None:
    stored = UserActivity.objects.get(pk=event.pk)
    assert (stored.event_type, stored.timestamp, stored.metadata) == (E.TEAM_JOINED, T0, {})


def test_immutability_prevents_update(event):
    # given
    event.event_type = E.TEAM_LEFT
    # when / then
    with pytest.raises(ImmutableActivityError, match="saving an existing row"):
        event.save()
    assert_unchanged(event)


def test_delete_of_a_row_is_refused(event):
    # when / then
    with pytest.raises(ImmutableActivityError, match=r"delete\(\)"):
        event.delete()
    assert UserActivity.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda qs: qs.update(event_type=E.TEAM_LEFT), r"QuerySet.update\(\)"),
        (lambda qs: qs.delete(), r"QuerySet.delete\(\)"),
        (lambda qs: qs.bulk_update(list(qs), ["event_type"]), r"bulk_update\(\)"),
        (lambda qs: qs.update_or_create(pk=qs.get().pk, defaults={"metadata": {"x": 1}}), r"update_or_create\(\)"),
    ],
)
def test_queryset_writes_are_refused(event, action, message):
    # when / then
    with pytest.raises(ImmutableActivityError, match=message):
        action(UserActivity.objects.filter(pk=event.pk))
    assert_unchanged(event)


def test_manager_writes_are_refused(event):
    # when / then: the manager exposes the same guarded methods
    with pytest.raises(ImmutableActivityError):
        UserActivity.objects.update(metadata={"x": 1})
    with pytest.raises(ImmutableActivityError):
        UserActivity.objects.bulk_update([event], ["metadata"])
    assert_unchanged(event)


def test_error_points_to_the_erase_service(event):
    # when
    with pytest.raises(ImmutableActivityError) as error:
        event.delete()
    # then
    assert "user_activity_erase" in str(error.value)
    assert "append-only" in str(error.value)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE user_profile_useractivity SET event_type = 'team_left' WHERE id = %s",
        "UPDATE user_profile_useractivity SET metadata = '{\"forged\": true}'::jsonb WHERE id = %s",
        "DELETE FROM user_profile_useractivity WHERE id = %s",
    ],
)
def test_trigger_rejects_raw_sql(event, sql):
    # when / then
    with (
        pytest.raises(ProgrammingError, match="Cannot update or delete rows"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert_unchanged(event)


def test_trigger_rejects_a_bulk_delete(event):
    # given: a second player's event, so a bulk statement would touch several rows
    other = UserFactory()
    record_event(
        user_id=other.pk, event_type=E.TEAM_JOINED, timestamp=T0, source_model="teams.teammembership", source_id=6
    )
    # when / then
    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM user_profile_useractivity")
    assert UserActivity.objects.count() == 2


def _direct_row(user_id: int, source_id: int) -> UserActivity:
    return UserActivity(
        user_id=user_id,
        event_type=E.TEAM_JOINED,
        timestamp=T0,
        source_model="teams.teammembership",
        source_id=source_id,
    )


@pytest.mark.parametrize(
    "insert",
    [
        lambda row: row.save(),
        lambda row: UserActivity.objects.create(
            user_id=row.user_id,
            event_type=row.event_type,
            timestamp=row.timestamp,
            source_model=row.source_model,
            source_id=row.source_id,
        ),
        lambda row: UserActivity.objects.bulk_create([row]),
        lambda row: UserActivity.objects.get_or_create(
            user_id=row.user_id,
            event_type=row.event_type,
            source_model=row.source_model,
            source_id=row.source_id,
            defaults={"timestamp": row.timestamp},
        ),
    ],
    ids=["save", "create", "bulk_create", "get_or_create"],
)
def test_an_insert_through_the_orm_is_refused_and_names_the_service(insert):
    # given
    user = UserFactory()
    # when / then
    with pytest.raises(ImmutableActivityError, match=r"record_events\(\)"):
        insert(_direct_row(user.pk, 1))
    assert UserActivity.objects.count() == 0
    assert UserProfileStats.objects.get(user=user).teams_joined == 0


def test_database_refuses_an_insert_outside_the_recording_service():
    # given
    user = UserFactory()
    # when / then
    with (
        pytest.raises(ProgrammingError, match="record_events"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO user_profile_useractivity (user_id, event_type, timestamp, metadata, source_model, "
            "source_id, recorded_at) VALUES (%s, 'team_joined', %s, '{}', 'teams.teammembership', 1, %s)",
            [user.pk, T0, T0],
        )
    assert UserActivity.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_recording_service_still_inserts_and_its_admission_ends_with_its_transaction():
    # given
    user = UserFactory()
    # when
    with transaction.atomic():
        activity_id = record_event(
            user_id=user.pk, event_type=E.TEAM_JOINED, timestamp=T0, source_model="teams.teammembership", source_id=1
        )
    # then: recorded, and the admission did not outlive the service's transaction
    row = UserActivity.objects.get(pk=activity_id)
    assert str(row) == f"team_joined for {user.pk} at 2026-04-01 09:30"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('deltacrown.activity_writer', true)")
        assert cursor.fetchone()[0] in (None, "")


@pytest.mark.django_db(transaction=True)
def test_database_refuses_truncate(event):
    # when / then
    with (
        pytest.raises(ProgrammingError, match="TRUNCATE"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE user_profile_useractivity")
    assert UserActivity.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_database_refuses_truncate_through_a_cascade(event):
    # when / then: truncating the users with CASCADE would take the log with it
    with pytest.raises(ProgrammingError, match="TRUNCATE"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE auth_user CASCADE")
    assert UserActivity.objects.filter(pk=event.pk).exists()
