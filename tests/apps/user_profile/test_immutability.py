"""The activity log is append-only: the ORM refuses changes and the database trigger rejects raw SQL."""

from datetime import UTC, datetime

import pytest
from django.db import ProgrammingError, connection, transaction

from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import ImmutableActivityError, UserActivity
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


def test_new_rows_can_still_be_inserted_through_the_orm():
    # given
    user = UserFactory()
    # when
    row = UserActivity(
        user=user, event_type=E.TEAM_JOINED, timestamp=T0, source_model="teams.teammembership", source_id=1
    )
    row.save()
    # then
    assert UserActivity.objects.get(pk=row.pk).source_id == 1
    assert str(row) == f"team_joined for {user.pk} at 2026-04-01 09:30"
