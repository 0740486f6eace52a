"""GraphQL enums for the tournament models' choices: the schema lists the values a client can meet."""

import enum

import strawberry
from django.db.models import TextChoices

from apps.economy.models import DeltaCrownTransaction
from apps.tournaments.models import Match as MatchModel
from apps.tournaments.models import Tournament as TournamentModel


def _enum_of(name: str, choices: type[TextChoices], description: str) -> type[enum.Enum]:
    python_enum = enum.Enum(name, {choice.name: choice.value for choice in choices})  # type: ignore[misc]
    return strawberry.enum(python_enum, description=description)


TournamentStatus = _enum_of("TournamentStatus", TournamentModel.Status, "Where a tournament stands.")
TournamentFormat = _enum_of("TournamentFormat", TournamentModel.Format, "Who takes part: players or teams.")
MatchState = _enum_of("MatchState", MatchModel.State, "Where a match stands.")
TransactionReason = _enum_of("TransactionReason", DeltaCrownTransaction.Reason, "Why DC coins moved.")


def member(enum_type: type[enum.Enum], value: str) -> enum.Enum:
    """The enum member of a stored choice value."""
    return enum_type(value)
