"""The backfill's scope: every event the rules in `services/sources.py` derive for a batch of players.

This module holds no rule. It runs sources.py's rule statements, the very ones live recording runs for one
saved row, over all the history of the players in the array parameter `%(user_ids)s`, so the backfill inserts
a batch with one `INSERT … SELECT … ON CONFLICT DO NOTHING` and no query per source row.

The registration rules read `participations`: the batch's players' solo registrations and every registration
of a team they were ever on (the rules' roster checks then keep only the moments they were on it). Both are
index lookups from the batch's players, and the pairs carry the registration's columns, so no rule reads the
registration table again: a batch costs its own players' history, not the table's size.
"""

from apps.user_profile.services.sources import (
    COLUMNS,
    INSERT_ORDER,
    REGISTRATION_COLUMNS,
    REGISTRATION_EVENTS,
    T_MEMBERSHIP,
    T_REGISTRATION,
    achievement_events,
    match_events,
    membership_events,
    placement_events,
    transaction_events,
)
from apps.user_profile.services.sources import (
    candidates_cte as rules_cte,
)

__all__ = ["COLUMNS", "INSERT_ORDER", "candidates_cte"]

PLAYERS = "%(user_ids)s"

PARTICIPATIONS = f"""
    SELECT r.user_id AS player_id, {REGISTRATION_COLUMNS}
    FROM {T_REGISTRATION} r WHERE r.user_id = ANY({PLAYERS})
    UNION
    SELECT m.user_id, {REGISTRATION_COLUMNS}
    FROM {T_MEMBERSHIP} m JOIN {T_REGISTRATION} r ON r.team_id = m.team_id
    WHERE m.user_id = ANY({PLAYERS})
"""

CANDIDATE_SELECTS = (
    REGISTRATION_EVENTS,
    placement_events(),
    match_events(),
    transaction_events(f"x.user_id = ANY({PLAYERS})"),
    membership_events(f"m.user_id = ANY({PLAYERS})"),
    achievement_events(f"u.user_id = ANY({PLAYERS})"),
)


def candidates_cte() -> str:
    """`WITH participations AS (…), candidates AS (…)`: every event of the batch's players, one row per key."""
    return rules_cte(participations=PARTICIPATIONS, selects=CANDIDATE_SELECTS)
