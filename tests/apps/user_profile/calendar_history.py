"""Writing a player's history event by event (through the recording service) for the calendar, streak and form
tests: exact instants, any mix of kinds, without building tournaments around them."""

import itertools
from datetime import datetime

from apps.tournaments.models import Match
from apps.user_profile.event_types import ActivityEventType as E
from apps.user_profile.services.events import EventSpec, record_events

_source_ids = itertools.count(1_000_000)
MATCH_LABEL = Match._meta.label_lower

# What one step of a history records, in causal order (the stats constraints need played before its outcome,
# registered before checked in).
STEPS: dict[str, tuple[str, ...]] = {
    "win": (E.MATCH_PLAYED, E.MATCH_WON),
    "loss": (E.MATCH_PLAYED, E.MATCH_LOST),
    "draw": (E.MATCH_PLAYED, E.MATCH_DRAWN),
    "tournament": (E.TOURNAMENT_REGISTERED, E.TOURNAMENT_JOINED),
    "achievement": (E.ACHIEVEMENT_UNLOCKED,),
    "earn": (E.COINS_EARNED,),
    "spend": (E.COINS_SPENT,),
}
SOURCES = {"tournament": "tournaments.registration", "achievement": "user_profile.userachievement"}


def record_step(*, user_id: int, step: str, at: datetime, amount: int = 10) -> int:
    """Record one step's events at `at`; returns the source id (for matches: the match id form reports)."""
    source_id = next(_source_ids)
    source = MATCH_LABEL if step in ("win", "loss", "draw") else SOURCES.get(step, "economy.deltacrowntransaction")
    record_events(
        events=[
            EventSpec(
                user_id=user_id,
                event_type=event_type,
                timestamp=at,
                source_model=source,
                source_id=source_id,
                metadata={"amount": amount} if step in ("earn", "spend") else {},
            )
            for event_type in STEPS[step]
        ]
    )
    return source_id
