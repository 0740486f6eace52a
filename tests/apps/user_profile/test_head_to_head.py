"""Head-to-head between two players, from their match events (solo and team matches)."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.tournaments.models import Tournament
from apps.user_profile.selectors.head_to_head import (
    SamePlayerError,
    head_to_head_meetings,
    head_to_head_record,
)
from tests.factories import UserFactory, enter, make_team, make_tournament, play

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_solo_meetings_count_from_a_side_and_page_newest_first() -> None:
    # given ada and bob meet three times (ada wins, loses, draws) and ada also plays cy
    ada, bob, cy = UserFactory(), UserFactory(), UserFactory()
    cup = make_tournament(starts_at=T0 - timedelta(days=1))
    ra, rb, rc = enter(cup, ada), enter(cup, bob), enter(cup, cy)
    won = play(cup, ra, rb, winner=ra, at=T0)
    lost = play(cup, rb, ra, winner=rb, at=T0 + timedelta(hours=1))
    drawn = play(cup, ra, rb, winner=None, at=T0 + timedelta(hours=2))
    play(cup, ra, rc, winner=ra, at=T0 + timedelta(hours=3))

    # when the record is read from each side
    ada_vs_bob = head_to_head_record(player_a_id=ada.pk, player_b_id=bob.pk)
    bob_vs_ada = head_to_head_record(player_a_id=bob.pk, player_b_id=ada.pk)
    first = head_to_head_meetings(player_a_id=ada.pk, player_b_id=bob.pk, first=2)
    rest = head_to_head_meetings(player_a_id=ada.pk, player_b_id=bob.pk, first=2, after=first.items[-1].cursor)

    # then each side sees the mirror of the other, and the meetings page newest first without the match vs cy
    assert (ada_vs_bob.played, ada_vs_bob.won, ada_vs_bob.lost, ada_vs_bob.drawn) == (3, 1, 1, 1)
    assert (bob_vs_ada.played, bob_vs_ada.won, bob_vs_ada.lost, bob_vs_ada.drawn) == (3, 1, 1, 1)
    assert [(m.match_id, m.outcome) for m in first.items] == [(drawn.pk, "match_drawn"), (lost.pk, "match_lost")]
    assert first.has_next_page
    assert not first.has_previous_page
    assert [(m.match_id, m.outcome, m.tournament_id) for m in rest.items] == [(won.pk, "match_won", cup.pk)]
    assert not rest.has_next_page
    assert rest.has_previous_page


def test_teammates_do_not_meet_and_opponents_in_team_matches_do() -> None:
    # given a team match: ada and bob on one team, cy on the other
    ada, bob, cy = UserFactory(), UserFactory(), UserFactory()
    joined = T0 - timedelta(days=10)
    red, blue = make_team(members=[ada, bob], joined_at=joined), make_team(members=[cy], joined_at=joined)
    cup = make_tournament(format=Tournament.Format.TEAM, starts_at=T0 - timedelta(days=1))
    rr, rb = enter(cup, red, at=T0 - timedelta(days=2)), enter(cup, blue, at=T0 - timedelta(days=2))
    play(cup, rr, rb, winner=rb, at=T0)
    play(cup, rr, rb, winner=None, at=T0 + timedelta(hours=1))

    # when / then teammates have no meeting, even in the drawn match; opponents have both
    teammates = head_to_head_record(player_a_id=ada.pk, player_b_id=bob.pk)
    assert (teammates.played, teammates.won, teammates.lost, teammates.drawn) == (0, 0, 0, 0)
    versus = head_to_head_record(player_a_id=ada.pk, player_b_id=cy.pk)
    assert (versus.played, versus.won, versus.lost, versus.drawn) == (2, 0, 1, 1)


def test_the_same_player_twice_is_refused() -> None:
    ada = UserFactory()
    with pytest.raises(SamePlayerError):
        head_to_head_record(player_a_id=ada.pk, player_b_id=ada.pk)
