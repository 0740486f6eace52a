"""The activity service: record what happened to players, one saved source row at a time.

Each function runs the rule of its source kind (services/sources.py, the same statements the backfill runs)
scoped to the saved row, inserting its events and adding them to the players' stats in one statement. Each is
idempotent: calling it again for the same source records nothing new.
"""

from apps.economy.models import DeltaCrownTransaction
from apps.teams.models import TeamMembership
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult
from apps.user_profile.models import UserAchievement
from apps.user_profile.services.sources import record_sources


def record_tournament_registration(*, registration: Registration) -> list[int]:
    """tournament_registered (confirmed) and tournament_joined (checked in) for the participants."""
    return record_sources(kind="registration", ids=[registration.pk])


def record_tournament_completion(*, tournament: Tournament) -> list[int]:
    """tournament_completed for every checked-in participant, and the placements already entered."""
    return record_sources(kind="completion", ids=[tournament.pk])


def record_tournament_result(*, result: TournamentResult) -> list[int]:
    return record_sources(kind="result", ids=[result.pk])


def record_match_result(*, match: Match) -> list[int]:
    return record_sources(kind="match", ids=[match.pk])


def record_economy_transaction(*, transaction: DeltaCrownTransaction) -> list[int]:
    return record_sources(kind="transaction", ids=[transaction.pk])


def record_team_membership(*, membership: TeamMembership) -> list[int]:
    return record_sources(kind="membership", ids=[membership.pk])


def record_achievement_unlock(*, unlock: UserAchievement) -> list[int]:
    return record_sources(kind="achievement", ids=[unlock.pk])
