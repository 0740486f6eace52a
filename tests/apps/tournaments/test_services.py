"""Tournament services refuse invalid writes with a clear error and write nothing."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from apps.tournaments import services as tournaments
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult
from apps.user_profile.models import UserActivity
from tests.factories import UserFactory, enter, make_team, make_tournament, play

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 7, 1, 20, 0, tzinfo=UTC)


def test_tournament_create_validates_fields():
    # when / then
    with pytest.raises(ValidationError) as error:
        tournaments.tournament_create(name="", game="Valorant", starts_at=T0)
    assert "name" in error.value.message_dict
    assert not Tournament.objects.exists()


def test_tournament_create_stores_the_format_and_prize_pool():
    # when
    tournament = tournaments.tournament_create(
        name="Team Clash", game="CS2", starts_at=T0, format=Tournament.Format.TEAM, prize_pool=5000
    )
    # then
    stored = Tournament.objects.get(pk=tournament.pk)
    assert (stored.is_team, stored.prize_pool, stored.status) == (True, 5000, Tournament.Status.REGISTRATION_OPEN)


def test_registration_needs_exactly_one_participant():
    # given
    player = UserFactory()
    team = make_team(members=[UserFactory()])
    tournament = make_tournament()
    # when / then
    with pytest.raises(ValidationError, match="one player or one team"):
        tournaments.registration_create(tournament=tournament)
    with pytest.raises(ValidationError, match="one player or one team"):
        tournaments.registration_create(tournament=tournament, user=player, team=team)
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    ("format", "team_entry", "message"),
    [(Tournament.Format.SOLO, True, "solo tournament"), (Tournament.Format.TEAM, False, "team tournament")],
)
def test_registration_matches_the_tournament_format(format, team_entry, message):
    # given
    player = UserFactory()
    tournament = make_tournament(format=format)
    participant = {"team": make_team(members=[player])} if team_entry else {"user": player}
    # when / then
    with pytest.raises(ValidationError, match=message):
        tournaments.registration_create(tournament=tournament, **participant)


def test_a_participant_registers_once():
    # given
    player = UserFactory(username="ann")
    tournament = make_tournament(name="Ann's Cup")
    tournaments.registration_create(tournament=tournament, user=player)
    # when / then
    with pytest.raises(ValidationError, match="ann is already registered for Ann's Cup"):
        tournaments.registration_create(tournament=tournament, user=player)
    assert Registration.objects.filter(tournament=tournament).count() == 1


def test_registration_is_closed_once_the_tournament_started():
    # given
    tournament = make_tournament()
    started = tournaments.tournament_start(tournament=tournament)
    # when / then
    assert started.status == Tournament.Status.IN_PROGRESS
    with pytest.raises(ValidationError, match="closed"):
        tournaments.registration_create(tournament=started, user=UserFactory())


def test_completed_tournament_cannot_restart_and_completes_once():
    # given
    tournament = make_tournament()
    completed = tournaments.tournament_complete(tournament=tournament, at=T0)
    # when
    again = tournaments.tournament_complete(tournament=tournament)
    # then
    assert again.completed_at == T0
    with pytest.raises(ValidationError, match="already completed"):
        tournaments.tournament_start(tournament=completed)


def test_confirm_is_idempotent_and_check_in_needs_confirmation():
    # given
    player = UserFactory()
    tournament = make_tournament()
    registration = tournaments.registration_create(tournament=tournament, user=player)
    # when / then
    with pytest.raises(ValidationError, match="Only a confirmed registration"):
        tournaments.registration_check_in(registration=registration)
    first = tournaments.registration_confirm(registration=registration, at=T0)
    second = tournaments.registration_confirm(registration=registration)
    checked = tournaments.registration_check_in(registration=registration, at=T0)
    assert tournaments.registration_check_in(registration=registration).checked_in_at == checked.checked_in_at
    assert first.confirmed_at == second.confirmed_at == T0
    assert UserActivity.objects.filter(user=player).count() == 2


def test_set_status_accepts_only_closing_statuses():
    # given
    registration = enter(make_tournament(), UserFactory())
    # when / then
    with pytest.raises(ValidationError, match="not a closing status"):
        tournaments.registration_set_status(registration=registration, status=Registration.Status.CONFIRMED)
    disqualified = tournaments.registration_set_status(
        registration=registration, status=Registration.Status.DISQUALIFIED
    )
    assert disqualified.status == Registration.Status.DISQUALIFIED


def test_a_closing_status_is_final():
    # given: a no-show side whose match produced no events for it
    shows, absent = UserFactory(), UserFactory()
    tournament = make_tournament()
    rs, ra = enter(tournament, shows), enter(tournament, absent)
    tournaments.registration_set_status(registration=ra, status=Registration.Status.NO_SHOW)
    play(tournament, rs, ra, winner=rs, is_forfeit=True)
    # when / then: setting it again is a no-op, changing it is refused
    same = tournaments.registration_set_status(registration=ra, status=Registration.Status.NO_SHOW)
    with pytest.raises(ValidationError, match="no-show registration is closed for good"):
        tournaments.registration_set_status(registration=ra, status=Registration.Status.DISQUALIFIED)
    assert same.status == Registration.Status.NO_SHOW
    assert Registration.objects.get(pk=ra.pk).status == Registration.Status.NO_SHOW
    assert not UserActivity.objects.filter(user=absent, source_model="tournaments.match").exists()


def test_a_participant_who_played_cannot_become_a_no_show():
    # given
    tournament = make_tournament()
    ra, rb = enter(tournament, UserFactory()), enter(tournament, UserFactory())
    play(tournament, ra, rb, winner=rb)
    # when / then
    with pytest.raises(ValidationError, match="cannot be marked as a no-show"):
        tournaments.registration_set_status(registration=ra, status=Registration.Status.NO_SHOW)
    assert tournaments.registration_set_status(registration=ra, status=Registration.Status.DISQUALIFIED).status == (
        Registration.Status.DISQUALIFIED
    )


def test_match_sides_must_be_two_registrations_of_the_tournament():
    # given
    tournament, elsewhere = make_tournament(), make_tournament()
    ra, rb = enter(tournament, UserFactory()), enter(tournament, UserFactory())
    stranger = enter(elsewhere, UserFactory())
    # when / then
    with pytest.raises(ValidationError, match="is not in"):
        tournaments.match_create(tournament=tournament, side_a=ra, side_b=stranger)
    with pytest.raises(ValidationError, match="two different sides"):
        tournaments.match_create(tournament=tournament, side_a=ra, side_b=ra)
    assert not Match.objects.exists()
    assert tournaments.match_create(tournament=tournament, side_a=ra, side_b=rb, round=3).round == 3


def test_match_winner_must_be_a_side_and_a_forfeit_needs_a_winner():
    # given
    tournament = make_tournament()
    ra, rb, rc = (enter(tournament, UserFactory()) for _ in range(3))
    match = tournaments.match_create(tournament=tournament, side_a=ra, side_b=rb)
    # when / then
    with pytest.raises(ValidationError, match="one of the match's two sides"):
        tournaments.match_complete(match=match, winner=rc)
    with pytest.raises(ValidationError, match="forfeit needs a winner"):
        tournaments.match_complete(match=match, winner=None, is_forfeit=True)
    match.refresh_from_db()
    assert match.state == Match.State.SCHEDULED
    assert not UserActivity.objects.filter(source_model="tournaments.match").exists()


def test_result_validation():
    # given
    tournament, elsewhere = make_tournament(), make_tournament()
    placed = enter(tournament, UserFactory())
    unchecked = enter(tournament, UserFactory(), check_in=False)
    stranger = enter(elsewhere, UserFactory())
    # when / then
    with pytest.raises(ValidationError, match="is not in"):
        tournaments.tournament_result_record(tournament=tournament, registration=stranger, placement=1)
    with pytest.raises(ValidationError, match="start at 1"):
        tournaments.tournament_result_record(tournament=tournament, registration=placed, placement=0)
    with pytest.raises(ValidationError, match="checked-in participant"):
        tournaments.tournament_result_record(tournament=tournament, registration=unchecked, placement=2)
    assert not TournamentResult.objects.exists()


def test_a_registration_is_placed_once():
    # given
    tournament = make_tournament()
    registration = enter(tournament, UserFactory())
    first = tournaments.tournament_result_record(tournament=tournament, registration=registration, placement=1)
    # when
    second = tournaments.tournament_result_record(tournament=tournament, registration=registration, placement=3)
    # then
    assert second.pk == first.pk
    assert TournamentResult.objects.get().placement == 1


def test_forfeit_without_show_keeps_the_match_winner():
    # given
    tournament = make_tournament()
    ra, rb = enter(tournament, UserFactory()), enter(tournament, UserFactory())
    # when
    match = play(tournament, ra, rb, winner=rb, is_forfeit=True, at=T0)
    # then
    stored = Match.objects.get(pk=match.pk)
    assert (stored.state, stored.winner_id, stored.is_forfeit, stored.completed_at) == (
        Match.State.COMPLETED,
        rb.pk,
        True,
        T0,
    )
