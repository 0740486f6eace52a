"""The activity service: record what happened to players, one source row at a time.

Each function is idempotent: calling it again for the same source records nothing new.
"""

from apps.economy.models import DeltaCrownTransaction
from apps.teams.models import TeamMembership
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult
from apps.user_profile.models import UserAchievement
from apps.user_profile.services import sources
from apps.user_profile.services.events import record_events


def record_tournament_registration(*, registration: Registration) -> list[int]:
    """tournament_registered (confirmed) and tournament_joined (checked in) for the participants."""
    return record_events(events=sources.events_for_registration(registration))


def record_tournament_completion(*, tournament: Tournament) -> list[int]:
    return record_events(events=sources.events_for_tournament_completion(tournament))


def record_tournament_result(*, result: TournamentResult) -> list[int]:
    return record_events(events=sources.events_for_result(result))


def record_match_result(*, match: Match) -> list[int]:
    return record_events(events=sources.events_for_match(match))


def record_economy_transaction(*, transaction: DeltaCrownTransaction) -> list[int]:
    return record_events(events=sources.events_for_transaction(transaction))


def record_team_membership(*, membership: TeamMembership) -> list[int]:
    return record_events(events=sources.events_for_membership(membership))


def record_achievement_unlock(*, unlock: UserAchievement) -> list[int]:
    return record_events(events=sources.events_for_achievement(unlock))
