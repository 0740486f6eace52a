"""The tournament history's ORM path (the SQLite demo's) returns what the PostgreSQL statement returns."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.user_profile.selectors.cursors import ActivityCursor
from apps.user_profile.selectors.history import _rows_portable, _rows_postgresql
from tests.factories import UserFactory, enter, finish, make_team, make_tournament, play

pytestmark = pytest.mark.django_db


def test_both_paths_give_the_same_rows_page_by_page():
    # given: solo wins and losses, a team tournament, a registration never checked in
    player, rival, mate = UserFactory(), UserFactory(), UserFactory()
    start = timezone.now() - timedelta(days=30)
    for day in range(3):
        cup = make_tournament(starts_at=start + timedelta(days=day * 5))
        mine = enter(cup, player, at=start + timedelta(days=day * 5))
        theirs = enter(cup, rival, at=start + timedelta(days=day * 5))
        play(cup, mine, theirs, winner=mine if day % 2 == 0 else theirs, at=start + timedelta(days=day * 5, hours=1))
        finish(cup, [mine, theirs] if day % 2 == 0 else [theirs, mine], at=start + timedelta(days=day * 5, hours=2))
    team = make_team(members=[player, mate], joined_at=start - timedelta(days=1))
    opponents = make_team(members=[UserFactory()], joined_at=start - timedelta(days=1))
    league = make_tournament(format="TEAM", starts_at=start + timedelta(days=20))
    ours = enter(league, team, at=start + timedelta(days=20))
    enter(league, opponents, at=start + timedelta(days=20))
    finish(league, [ours], at=start + timedelta(days=21))
    enter(make_tournament(starts_at=start + timedelta(days=25)), player, check_in=False, at=start + timedelta(days=25))
    # when: a first page of 3, then the rest after its last row
    first_pg = _rows_postgresql(user_ids=[player.pk], limit=3, after=None).get(player.pk, [])
    first_orm = _rows_portable(user_id=player.pk, limit=3, after=None)
    after = ActivityCursor(timestamp=first_pg[-1].timestamp, id=first_pg[-1].event_id)
    rest_pg = _rows_postgresql(user_ids=[player.pk], limit=10, after=after).get(player.pk, [])
    rest_orm = _rows_portable(user_id=player.pk, limit=10, after=after)
    # then
    assert len(first_pg) == 3
    assert len(rest_pg) == 2
    for pg_rows, orm_rows in ((first_pg, first_orm), (rest_pg, rest_orm)):
        assert [
            (r.event_id, r.timestamp, r.registration_id, r.registered_at, r.tournament.pk, r.placement, r.seen)
            for r in pg_rows
        ] == [
            (r.event_id, r.timestamp, r.registration_id, r.registered_at, r.tournament.pk, r.placement, r.seen)
            for r in orm_rows
        ]
    assert first_pg[1].seen["tournament_won"] == 1
    assert first_pg[1].placement == 1
