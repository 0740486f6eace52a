"""Which events each source row stands for.

The single definition shared by the live integration (receivers) and the reconciliation of history, so
that both produce exactly the same events, with the source's own timestamps.

Team rosters: a team registration's tournament events go to the members on the roster at each step who
were also on it at every earlier step (registration, check-in, completion). That keeps every player's
chain registered >= checked in >= completed >= placed, which the stats constraints rely on. A team match
goes to the roster at the time the match completed.
"""

from datetime import datetime
from typing import Any

from apps.economy.models import DeltaCrownTransaction
from apps.teams.models import TeamMembership
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserAchievement
from apps.user_profile.services.events import EventSpec

PLACEMENT_EVENTS: dict[int, str] = {
    1: E.TOURNAMENT_WON,
    2: E.TOURNAMENT_RUNNER_UP,
    3: E.TOURNAMENT_TOP4,
    4: E.TOURNAMENT_TOP4,
}


def source_label(obj: Any) -> str:
    return obj._meta.label_lower


def roster_user_ids(*, team_id: int, moments: list[datetime]) -> list[int]:
    """Members on the team's roster at every one of `moments`, in id order."""
    members: set[int] | None = None
    for moment in moments:
        at = set(TeamMembership.objects.filter(team_id=team_id).active_at(moment).values_list("user_id", flat=True))
        members = at if members is None else members & at
    return sorted(members or ())


def participant_user_ids(*, registration: Registration, moments: list[datetime]) -> list[int]:
    if registration.user_id is not None:
        return [registration.user_id]
    assert registration.team_id is not None
    return roster_user_ids(team_id=registration.team_id, moments=moments)


def _tournament_metadata(registration: Registration, tournament: Tournament) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tournament_id": tournament.pk,
        "tournament_name": tournament.name,
        "game": tournament.game,
        "registration_id": registration.pk,
    }
    if registration.team_id is not None:
        data["team_id"] = registration.team_id
    return data


def _events(
    user_ids: list[int], event_type: str, timestamp: datetime, source: Any, metadata: dict[str, Any]
) -> list[EventSpec]:
    return [
        EventSpec(
            user_id=user_id,
            event_type=event_type,
            timestamp=timestamp,
            source_model=source_label(source),
            source_id=source.pk,
            metadata=metadata,
        )
        for user_id in user_ids
    ]


def _registration_moments(registration: Registration) -> list[datetime]:
    assert registration.confirmed_at is not None
    moments = [registration.confirmed_at]
    if registration.checked_in_at is not None:
        moments.append(registration.checked_in_at)
    return moments


def events_for_registration(registration: Registration) -> list[EventSpec]:
    """tournament_registered once confirmed; tournament_joined once checked in."""
    if registration.confirmed_at is None:
        return []
    tournament = registration.tournament
    metadata = _tournament_metadata(registration, tournament)
    registered = participant_user_ids(registration=registration, moments=[registration.confirmed_at])
    events = _events(registered, E.TOURNAMENT_REGISTERED, registration.confirmed_at, registration, metadata)
    if registration.checked_in and registration.checked_in_at is not None:
        joined = participant_user_ids(registration=registration, moments=_registration_moments(registration))
        events += _events(joined, E.TOURNAMENT_JOINED, registration.checked_in_at, registration, metadata)
    return events


def completed_participants(registration: Registration, tournament: Tournament) -> list[int]:
    """Players who completed the tournament through this registration."""
    if (
        tournament.status != Tournament.Status.COMPLETED
        or tournament.completed_at is None
        or registration.status != Registration.Status.CONFIRMED
        or not registration.checked_in
        or registration.checked_in_at is None
        or registration.confirmed_at is None
    ):
        return []
    moments = [*_registration_moments(registration), tournament.completed_at]
    return participant_user_ids(registration=registration, moments=moments)


def events_for_tournament_completion(tournament: Tournament) -> list[EventSpec]:
    """tournament_completed for every checked-in participant, and the placements already entered."""
    if tournament.status != Tournament.Status.COMPLETED or tournament.completed_at is None:
        return []
    events: list[EventSpec] = []
    registrations = tournament.registrations.filter(status=Registration.Status.CONFIRMED, checked_in=True)
    for registration in registrations.select_related("tournament"):
        user_ids = completed_participants(registration, tournament)
        metadata = _tournament_metadata(registration, tournament)
        events += _events(user_ids, E.TOURNAMENT_COMPLETED, tournament.completed_at, registration, metadata)
    for result in tournament.results.select_related("registration", "tournament"):
        events += events_for_result(result)
    return events


def events_for_result(result: TournamentResult) -> list[EventSpec]:
    """A placement event (won / runner-up / top 4) once the tournament is completed."""
    event_type = PLACEMENT_EVENTS.get(result.placement)
    tournament = result.tournament
    if event_type is None or tournament.completed_at is None:
        return []
    user_ids = completed_participants(result.registration, tournament)
    metadata = {
        **_tournament_metadata(result.registration, tournament),
        "placement": result.placement,
        "prize": result.prize,
        "result_id": result.pk,
    }
    timestamp = max(result.created_at, tournament.completed_at)
    return _events(user_ids, event_type, timestamp, result, metadata)


def events_for_match(match: Match) -> list[EventSpec]:
    """match_played for every participant plus won / lost / drawn; a no-show side gets nothing.

    A player on the rosters of both sides has no single outcome, so the match is not counted for them.
    """
    if match.state != Match.State.COMPLETED or match.completed_at is None:
        return []
    events: list[EventSpec] = []
    sides = [(match.side_a, match.side_b), (match.side_b, match.side_a)]
    players = {side.pk: participant_user_ids(registration=side, moments=[match.completed_at]) for side, _ in sides}
    on_both_sides = set(players[match.side_a.pk]) & set(players[match.side_b.pk])
    for side, opponent in sides:
        if side.status == Registration.Status.NO_SHOW:
            continue
        if match.winner_id is None:
            outcome = E.MATCH_DRAWN
        elif match.winner_id == side.pk:
            outcome = E.MATCH_WON
        else:
            outcome = E.MATCH_LOST
        metadata: dict[str, Any] = {
            "tournament_id": match.tournament_id,
            "tournament_name": match.tournament.name,
            "match_id": match.pk,
            "round": match.round,
            "opponent": opponent.participant_name,
            "is_forfeit": match.is_forfeit,
        }
        if side.team_id is not None:
            metadata["team_id"] = side.team_id
        user_ids = [user_id for user_id in players[side.pk] if user_id not in on_both_sides]
        events += _events(user_ids, E.MATCH_PLAYED, match.completed_at, match, metadata)
        events += _events(user_ids, outcome, match.completed_at, match, metadata)
    return events


def events_for_transaction(tx: DeltaCrownTransaction) -> list[EventSpec]:
    event_type = E.COINS_EARNED if tx.amount > 0 else E.COINS_SPENT
    metadata = {
        "amount": abs(tx.amount),
        "reason": tx.reason,
        "reference": tx.reference,
        "transaction_id": tx.pk,
    }
    return _events([tx.user_id], event_type, tx.created_at, tx, metadata)


def events_for_membership(membership: TeamMembership) -> list[EventSpec]:
    team = membership.team
    metadata = {"team_id": team.pk, "team_name": team.name}
    events = _events([membership.user_id], E.TEAM_JOINED, membership.joined_at, membership, metadata)
    if membership.left_at is not None:
        events += _events([membership.user_id], E.TEAM_LEFT, membership.left_at, membership, metadata)
    return events


def events_for_achievement(unlock: UserAchievement) -> list[EventSpec]:
    achievement = unlock.achievement
    metadata = {
        "achievement_id": achievement.pk,
        "achievement_code": achievement.code,
        "achievement_name": achievement.name,
    }
    return _events([unlock.user_id], E.ACHIEVEMENT_UNLOCKED, unlock.unlocked_at, unlock, metadata)
