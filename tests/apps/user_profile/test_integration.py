"""Tournaments, teams, economy and achievements → activity log and stats, through the real services."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create
from apps.teams.services import team_member_add, team_member_remove
from apps.tournaments import services as tournaments
from apps.tournaments.models import Registration, Tournament
from apps.user_profile.models import Achievement, UserActivity, UserProfileStats
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.services.achievements import achievement_unlock
from apps.user_profile.services.stats import stats_drift, stats_expected_from_events
from tests.factories import UserFactory, enter, finish, make_team, make_tournament, play

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def events_of(user, **filters) -> list[str]:
    rows = UserActivity.objects.filter(user=user, **filters).order_by("timestamp", "id")
    return list(rows.values_list("event_type", flat=True))


def stats_of(user) -> UserProfileStats:
    return UserProfileStats.objects.get(user=user)


def assert_no_drift(*users) -> None:
    expected = stats_expected_from_events(user_ids=[u.pk for u in users])
    for user in users:
        assert stats_drift(stats=stats_of(user), expected=expected[user.pk]) == {}


def test_end_to_end_solo_tournament_completion():
    # given: four players, a bracket of three matches
    p1, p2, p3, p4 = (UserFactory() for _ in range(4))
    tournament = make_tournament(prize_pool=1000)
    r1, r2, r3, r4 = (enter(tournament, p, at=at(0)) for p in (p1, p2, p3, p4))
    play(tournament, r1, r2, winner=r1, at=at(1))
    play(tournament, r3, r4, winner=r3, at=at(1))
    play(tournament, r1, r3, winner=r1, at=at(2), round=2)
    # when
    finish(tournament, [r1, r3, r2, r4], at=at(3))
    # then
    assert events_of(p1) == [
        E.TOURNAMENT_REGISTERED,
        E.TOURNAMENT_JOINED,
        E.MATCH_PLAYED,
        E.MATCH_WON,
        E.MATCH_PLAYED,
        E.MATCH_WON,
        E.TOURNAMENT_COMPLETED,
        E.TOURNAMENT_WON,
    ]
    assert events_of(p3)[-2:] == [E.TOURNAMENT_COMPLETED, E.TOURNAMENT_RUNNER_UP]
    assert events_of(p2)[-2:] == [E.TOURNAMENT_COMPLETED, E.TOURNAMENT_TOP4]
    assert events_of(p4)[-2:] == [E.TOURNAMENT_COMPLETED, E.TOURNAMENT_TOP4]
    assert UserActivity.objects.filter(event_type=E.TOURNAMENT_COMPLETED, timestamp=at(3)).count() == 4
    assert_no_drift(p1, p2, p3, p4)


def test_stats_after_a_win():
    # given
    winner, loser = UserFactory(), UserFactory()
    tournament = make_tournament()
    rw, rl = enter(tournament, winner, at=at(0)), enter(tournament, loser, at=at(0))
    # when
    play(tournament, rw, rl, winner=rw, at=at(1))
    finish(tournament, [rw, rl], at=at(2))
    transaction_create(user=winner, amount=500, reason=DeltaCrownTransaction.Reason.TOURNAMENT_PRIZE, created_at=at(3))
    # then
    stats = stats_of(winner)
    assert (stats.tournaments_won, stats.tournaments_completed, stats.tournament_win_rate) == (1, 1, 1.0)
    assert (stats.matches_played, stats.matches_won, stats.win_rate) == (1, 1, 1.0)
    assert (stats.total_earned, stats.first_activity_at, stats.last_activity_at) == (500, at(0), at(3))
    assert (stats_of(loser).tournaments_runner_up, stats_of(loser).win_rate) == (1, 0.0)


def test_only_checked_in_participants_complete_a_tournament():
    # given: one checked in, one confirmed only, one pending, one cancelled after checking in
    checked, confirmed, pending, cancelled = (UserFactory() for _ in range(4))
    tournament = make_tournament()
    enter(tournament, checked)
    enter(tournament, confirmed, check_in=False)
    enter(tournament, pending, confirm=False)
    tournaments.registration_set_status(registration=enter(tournament, cancelled), status=Registration.Status.CANCELLED)
    # when
    tournaments.tournament_complete(tournament=tournament)
    # then
    assert events_of(checked) == [E.TOURNAMENT_REGISTERED, E.TOURNAMENT_JOINED, E.TOURNAMENT_COMPLETED]
    assert events_of(confirmed) == [E.TOURNAMENT_REGISTERED]
    assert events_of(pending) == []
    assert events_of(cancelled) == [E.TOURNAMENT_REGISTERED, E.TOURNAMENT_JOINED]


def test_registration_then_cancel_keeps_history_and_produces_nothing_more():
    # given
    player = UserFactory()
    tournament = make_tournament()
    registration = enter(tournament, player, check_in=False, at=at(0))
    # when
    cancelled = tournaments.registration_set_status(registration=registration, status=Registration.Status.CANCELLED)
    # then
    assert cancelled.status == Registration.Status.CANCELLED
    assert events_of(player) == [E.TOURNAMENT_REGISTERED]
    assert (stats_of(player).tournaments_registered, stats_of(player).tournaments_played) == (1, 0)
    with pytest.raises(Exception, match="cannot be confirmed"):
        tournaments.registration_confirm(registration=registration)


def test_match_completion_counts_for_every_participant():
    # given
    alice, bob = UserFactory(), UserFactory()
    tournament = make_tournament()
    ra, rb = enter(tournament, alice), enter(tournament, bob)
    match = tournaments.match_create(tournament=tournament, side_a=ra, side_b=rb)
    # when
    completed = tournaments.match_complete(match=match, winner=rb, at=at(1))
    again = tournaments.match_complete(match=match, winner=ra, at=at(2))
    # then: completing again changes nothing
    assert (again.winner_id, again.completed_at) == (rb.pk, at(1))
    assert completed.state == again.state == "COMPLETED"
    assert (stats_of(alice).matches_played, stats_of(alice).matches_lost) == (1, 1)
    assert (stats_of(bob).matches_played, stats_of(bob).matches_won) == (1, 1)


def test_draw_records_match_drawn():
    # given
    alice, bob = UserFactory(), UserFactory()
    tournament = make_tournament()
    ra, rb = enter(tournament, alice), enter(tournament, bob)
    # when
    play(tournament, ra, rb, winner=None)
    # then
    for player in (alice, bob):
        assert events_of(player, source_model="tournaments.match") == [E.MATCH_PLAYED, E.MATCH_DRAWN]
        stats = stats_of(player)
        assert (stats.matches_played, stats.matches_won, stats.matches_lost, stats.matches_drawn) == (1, 0, 0, 1)


def test_forfeit_forfeiting_side_loses():
    # given
    shows, forfeits = UserFactory(), UserFactory()
    tournament = make_tournament()
    rs, rf = enter(tournament, shows), enter(tournament, forfeits)
    # when
    play(tournament, rs, rf, winner=rs, is_forfeit=True)
    # then
    assert events_of(forfeits, source_model="tournaments.match") == [E.MATCH_PLAYED, E.MATCH_LOST]
    assert events_of(shows, source_model="tournaments.match") == [E.MATCH_PLAYED, E.MATCH_WON]
    lost = UserActivity.objects.get(user=forfeits, event_type=E.MATCH_LOST)
    assert lost.metadata["is_forfeit"] is True


def test_no_show_produces_nothing_for_that_side():
    # given
    shows, absent = UserFactory(), UserFactory()
    tournament = make_tournament()
    rs, ra = enter(tournament, shows), enter(tournament, absent)
    tournaments.registration_set_status(registration=ra, status=Registration.Status.NO_SHOW)
    # when
    play(tournament, rs, ra, winner=rs, is_forfeit=True)
    tournaments.tournament_complete(tournament=tournament)
    # then
    assert events_of(absent) == [E.TOURNAMENT_REGISTERED, E.TOURNAMENT_JOINED]
    assert events_of(shows, source_model="tournaments.match") == [E.MATCH_PLAYED, E.MATCH_WON]
    assert (stats_of(absent).matches_played, stats_of(absent).tournaments_completed) == (0, 0)
    assert_no_drift(shows, absent)


def test_result_entered_before_completion_is_recorded_at_completion():
    # given
    player = UserFactory()
    tournament = make_tournament()
    registration = enter(tournament, player, at=at(0))
    tournaments.tournament_result_record(tournament=tournament, registration=registration, placement=1, at=at(1))
    before = events_of(player)
    # when
    tournaments.tournament_complete(tournament=tournament, at=at(2))
    # then
    assert before == [E.TOURNAMENT_REGISTERED, E.TOURNAMENT_JOINED]
    assert events_of(player)[-2:] == [E.TOURNAMENT_COMPLETED, E.TOURNAMENT_WON]
    assert UserActivity.objects.get(user=player, event_type=E.TOURNAMENT_WON).timestamp == at(2)


def test_result_entered_after_completion_is_recorded_at_entry():
    # given: the caller still holds the tournament as it was before completion
    player = UserFactory()
    tournament = make_tournament()
    registration = enter(tournament, player)
    tournaments.tournament_complete(tournament=tournament, at=at(2))
    # when
    result = tournaments.tournament_result_record(
        tournament=tournament, registration=registration, placement=2, prize=150, at=at(5)
    )
    # then
    runner_up = UserActivity.objects.get(user=player, event_type=E.TOURNAMENT_RUNNER_UP)
    assert (runner_up.timestamp, runner_up.source_id, runner_up.metadata["prize"]) == (at(5), result.pk, 150)
    assert stats_of(player).tournaments_runner_up == 1
    assert str(result) == f"#2 in {tournament.pk}"


def test_team_tournament_members():
    # given: a team of three, one of whom leaves between check-in and completion, and a rival team
    a, b, c, x, y = (UserFactory() for _ in range(5))
    team = make_team(members=[a, b, c], joined_at=at(-10))
    rivals = make_team(members=[x, y], joined_at=at(-10))
    tournament = make_tournament(format=Tournament.Format.TEAM)
    ours, theirs = enter(tournament, team, at=at(0)), enter(tournament, rivals, at=at(0))
    team_member_remove(team=team, user=c, at=at(1))
    # when
    play(tournament, ours, theirs, winner=ours, at=at(2))
    finish(tournament, [ours, theirs], at=at(3))
    # then
    for member in (a, b):
        assert events_of(member, source_model__startswith="tournaments") == [
            E.TOURNAMENT_REGISTERED,
            E.TOURNAMENT_JOINED,
            E.MATCH_PLAYED,
            E.MATCH_WON,
            E.TOURNAMENT_COMPLETED,
            E.TOURNAMENT_WON,
        ]
    assert events_of(c, source_model__startswith="tournaments") == [E.TOURNAMENT_REGISTERED, E.TOURNAMENT_JOINED]
    for member in (x, y):
        assert events_of(member, source_model__startswith="tournaments")[-2:] == [
            E.TOURNAMENT_COMPLETED,
            E.TOURNAMENT_RUNNER_UP,
        ]
    won = UserActivity.objects.get(user=a, event_type=E.TOURNAMENT_WON)
    assert won.metadata["team_id"] == team.pk
    assert UserActivity.objects.get(user=a, event_type=E.MATCH_WON).metadata["opponent"] == rivals.name
    assert_no_drift(a, b, c, x, y)


def test_team_member_joining_after_check_in_gets_matches_but_not_the_tournament_chain():
    # given
    a, late, x = UserFactory(), UserFactory(), UserFactory()
    team = make_team(members=[a], joined_at=at(-1))
    rivals = make_team(members=[x], joined_at=at(-1))
    tournament = make_tournament(format=Tournament.Format.TEAM)
    ours, theirs = enter(tournament, team, at=at(0)), enter(tournament, rivals, at=at(0))
    team_member_add(team=team, user=late, at=at(1))
    # when
    play(tournament, ours, theirs, winner=theirs, at=at(2))
    finish(tournament, [theirs, ours], at=at(3))
    # then: the roster at the match plays it; only the roster since registration completes and places
    assert events_of(late, source_model="tournaments.match") == [E.MATCH_PLAYED, E.MATCH_LOST]
    assert events_of(late, source_model__startswith="tournaments.t") == []
    assert events_of(late, source_model="tournaments.registration") == []
    assert events_of(a)[-2:] == [E.TOURNAMENT_COMPLETED, E.TOURNAMENT_RUNNER_UP]
    assert_no_drift(a, late, x)


def test_player_on_both_rosters_of_a_match_is_not_counted_twice():
    # given: a player on both teams of a team match
    double, a, x = UserFactory(), UserFactory(), UserFactory()
    team = make_team(members=[a, double], joined_at=at(-1))
    rivals = make_team(members=[x, double], joined_at=at(-1))
    tournament = make_tournament(format=Tournament.Format.TEAM)
    ours, theirs = enter(tournament, team, at=at(0)), enter(tournament, rivals, at=at(0))
    # when
    play(tournament, ours, theirs, winner=ours, at=at(1))
    # then: neither side's result is theirs; the others are counted as usual
    assert events_of(double, source_model="tournaments.match") == []
    assert (stats_of(a).matches_won, stats_of(x).matches_lost) == (1, 1)
    assert_no_drift(double, a, x)


def test_team_join_and_leave():
    # given
    player, captain = UserFactory(), UserFactory()
    team = make_team(members=[captain], name="Night Owls")
    # when
    membership = team_member_add(team=team, user=player, at=at(0))
    team_member_remove(team=team, user=player, at=at(4))
    rejoined = team_member_add(team=team, user=player, at=at(6))
    # then
    assert events_of(player) == [E.TEAM_JOINED, E.TEAM_LEFT, E.TEAM_JOINED]
    joined = UserActivity.objects.filter(user=player, event_type=E.TEAM_JOINED).first()
    assert joined is not None
    assert joined.metadata == {"team_id": team.pk, "team_name": "Night Owls"}
    assert {e.source_id for e in UserActivity.objects.filter(user=player)} == {membership.pk, rejoined.pk}
    stats = stats_of(player)
    assert (stats.teams_joined, stats.teams_left, stats.active_teams) == (2, 1, 1)
    assert str(team) == "Night Owls"
    assert str(membership) == f"{player.pk} in {team.pk}"


def test_economy_earn_and_spend():
    # given
    player = UserFactory()
    # when
    earned = transaction_create(user=player, amount=300, reason=DeltaCrownTransaction.Reason.TOURNAMENT_PRIZE)
    spent = transaction_create(user=player, amount=-45, reason=DeltaCrownTransaction.Reason.SHOP_PURCHASE)
    # then
    assert events_of(player) == [E.COINS_EARNED, E.COINS_SPENT]
    assert (stats_of(player).total_earned, stats_of(player).total_spent, stats_of(player).net_earnings) == (
        300,
        45,
        255,
    )
    assert str(earned) == f"+300 DC (TOURNAMENT_PRIZE) for {player.pk}"
    assert str(spent) == f"-45 DC (SHOP_PURCHASE) for {player.pk}"


def test_achievement_unlocked_once():
    # given
    player = UserFactory()
    achievement = Achievement.objects.create(code="first-win", name="First win", description="Win a match")
    # when
    first = achievement_unlock(user=player, achievement=achievement, unlocked_at=at(1))
    second = achievement_unlock(user=player, achievement=achievement, unlocked_at=at(2))
    # then
    assert first.pk == second.pk
    event = UserActivity.objects.get(user=player)
    assert (event.event_type, event.timestamp) == (E.ACHIEVEMENT_UNLOCKED, at(1))
    assert event.metadata == {
        "achievement_id": achievement.pk,
        "achievement_code": "first-win",
        "achievement_name": "First win",
    }
    assert stats_of(player).achievements_unlocked == 1
    assert str(achievement) == "First win"
    assert str(first) == f"{achievement.pk} for {player.pk}"


def test_check_in_after_completion_is_refused():
    # given
    early, late = UserFactory(), UserFactory()
    tournament = make_tournament()
    enter(tournament, early)
    registration = enter(tournament, late, check_in=False)
    tournaments.tournament_complete(tournament=tournament)
    # when / then: a late check-in would make the participants differ from the completion recorded
    with pytest.raises(Exception, match="completed"):
        tournaments.registration_check_in(registration=registration)
    assert events_of(late) == [E.TOURNAMENT_REGISTERED]


def test_domain_strings():
    # given
    player = UserFactory(username="zed")
    tournament = make_tournament(name="Spring Cup")
    registration = enter(tournament, player)
    match = tournaments.match_create(
        tournament=tournament, side_a=registration, side_b=enter(tournament, UserFactory())
    )
    # when / then
    assert str(tournament) == "Spring Cup"
    assert str(registration) == f"zed in {tournament.pk}"
    assert str(match) == f"Match {match.pk} (round 1)"


def test_roster_changes_cannot_be_dated_before_the_teams_recorded_tournament_steps():
    # given: a team confirmed for a tournament at hour 0
    a, late, x = UserFactory(), UserFactory(), UserFactory()
    team = make_team(members=[a], joined_at=at(-5))
    make_team(members=[x], joined_at=at(-5))
    tournament = make_tournament(format=Tournament.Format.TEAM)
    registration = enter(tournament, team, check_in=False, at=at(0))
    # when / then: a join or a leave dated before that confirmation would rewrite who registered
    with pytest.raises(ValidationError, match="recorded tournament history"):
        team_member_add(team=team, user=late, at=at(-1))
    with pytest.raises(ValidationError, match="recorded tournament history"):
        team_member_remove(team=team, user=a, at=at(-1))
    team_member_add(team=team, user=late, at=at(1))
    tournaments.registration_check_in(registration=registration, at=at(2))
    assert events_of(late) == [E.TEAM_JOINED]
    assert events_of(a, source_model="tournaments.registration") == [E.TOURNAMENT_REGISTERED, E.TOURNAMENT_JOINED]
    assert_no_drift(a, late)
