"""Which events each source row stands for: the one definition, run by live recording and by the backfill.

Every rule is one SQL SELECT yielding (user_id, event_type, timestamp, metadata, source_model, source_id) rows,
so it runs inside an `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`. Live recording and the backfill
execute the very same rule text; only the scope differs, i.e. which source rows the rules read:

- live (`record_sources`): the row just saved, by id (a registration, a completed tournament's registrations,
  a result, a match, a transaction, a membership, an unlock), in the transaction of its save, one statement
  that also adds the inserted events to the players' stats;
- backfill (`services/backfill/candidates.py`): everything of a batch of players, by `%(user_ids)s`.

Registration rules read the CTE `participations`: (player_id, registration columns) pairs, i.e. a solo
registration with its player and a team registration with each player ever on that team. The roster checks
below then keep only the players on it at the right moments. Other rules read their source table through a
scope condition on it.

The rules:
- registration: tournament_registered once confirmed; tournament_joined once checked in;
- completion: tournament_completed for a confirmed, checked-in registration of a COMPLETED tournament;
- result: the placement event (event_types.PLACEMENT_EVENTS) for those same participants, at
  max(entered, completed);
- match: match_played plus won / lost / drawn per side of a COMPLETED match, at its completion; nothing for a
  no-show side, nor for a player on the rosters of both sides (no single outcome);
- transaction: coins_earned for a positive amount, coins_spent otherwise (the amount as a positive number);
- membership: team_joined, and team_left once it ended;
- achievement: achievement_unlocked.

Recipients: a solo registration's player; for a team registration, the members on the roster at every moment
of the chain so far (confirmed, checked in, completed), which keeps every player's chain registered >=
checked in >= completed >= placed, as the stats constraints require; a team match goes to the roster at the
moment the match completed. Timestamps are the source's own; metadata as built below.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from apps.economy.models import DeltaCrownTransaction
from apps.teams.models import Team, TeamMembership
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult
from apps.user_profile import metrics
from apps.user_profile.event_types import CAUSAL_ORDER, PLACEMENT_EVENTS
from apps.user_profile.event_types import ActivityEventType as E
from apps.user_profile.models import Achievement, UserAchievement, UserActivity
from apps.user_profile.services.events import live_stats_enabled, lock_players
from apps.user_profile.services.prepared import execute_prepared
from apps.user_profile.services.stats import STATS_ADD_INSERTED, stats_add_events
from apps.user_profile.services.stream import stream_append

COMPLETED = Tournament.Status.COMPLETED.value
CONFIRMED = Registration.Status.CONFIRMED.value
NO_SHOW = Registration.Status.NO_SHOW.value
MATCH_COMPLETED = Match.State.COMPLETED.value

T_USER = get_user_model()._meta.db_table
T_TOURNAMENT = Tournament._meta.db_table
T_REGISTRATION = Registration._meta.db_table
T_MATCH = Match._meta.db_table
T_RESULT = TournamentResult._meta.db_table
T_TEAM = Team._meta.db_table
T_MEMBERSHIP = TeamMembership._meta.db_table
T_TRANSACTION = DeltaCrownTransaction._meta.db_table
T_UNLOCK = UserAchievement._meta.db_table
T_ACHIEVEMENT = Achievement._meta.db_table
T_ACTIVITY = UserActivity._meta.db_table

COLUMNS = "user_id, event_type, timestamp, metadata, source_model, source_id"
# The order events are inserted in, so ids follow it: per player, by time, then causally (event_types).
INSERT_ORDER = "user_id, timestamp, array_position(ARRAY[{}]::text[], event_type::text)".format(
    ", ".join(f"'{event_type}'" for event_type in CAUSAL_ORDER)
)


def _label(model: type) -> str:
    return f"'{model._meta.label_lower}'"  # type: ignore[attr-defined]


def _on_roster(moments: list[str], *, user: str = "r.player_id", registration: str = "r") -> str:
    """True for a solo registration; for a team one, the player is a member at every one of `moments`."""
    checks = " AND ".join(
        f"EXISTS (SELECT 1 FROM {T_MEMBERSHIP} m{i} WHERE m{i}.team_id = {registration}.team_id "
        f"AND m{i}.user_id = {user} AND m{i}.joined_at <= {moment} "
        f"AND (m{i}.left_at IS NULL OR m{i}.left_at > {moment}))"
        for i, moment in enumerate(moments)
    )
    return f"({registration}.team_id IS NULL OR ({checks}))"


def _team_id(registration: str) -> str:
    return (
        f"CASE WHEN {registration}.team_id IS NULL THEN '{{}}'::jsonb "
        f"ELSE jsonb_build_object('team_id', {registration}.team_id) END"
    )


def _by_index(table: str, condition: str) -> str:
    """The rows of `table` matching `x.<condition>` for one outer row, looked up through the column's index.

    For a LATERAL join: OFFSET 0 keeps the planner from flattening it into a join of the whole table, which
    it picks when its row estimates come out tiny (many ANDed conditions, or tables not analyzed yet after a
    bulk load). Then a batch scans, hashes or loops over all matches, results or tournaments of the platform,
    and a run grows with the history times the number of batches.
    """
    return f"SELECT * FROM {table} x WHERE x.{condition} OFFSET 0"


def _placement_event() -> str:
    cases = " ".join(f"WHEN {placement} THEN '{event}'" for placement, event in PLACEMENT_EVENTS.items())
    return f"CASE res.placement {cases} END"


TOURNAMENT_METADATA = (
    "jsonb_build_object('tournament_id', t.id, 'tournament_name', t.name, 'game', t.game, 'registration_id', r.id)"
    f" || {_team_id('r')}"
)

# --- Scopes of the registration rules: the (player, registration) pairs they read as `participations`. ---

REGISTRATION_COLUMNS = "r.id, r.tournament_id, r.team_id, r.status, r.confirmed_at, r.checked_in, r.checked_in_at"


def participations_of_registrations(where: str) -> str:
    """(player, registration) pairs of the registrations `r` matching `where`: the solo player, or every
    player ever on the team (the rules' roster checks keep those on it at the right moments)."""
    return f"""
    SELECT r.user_id AS player_id, {REGISTRATION_COLUMNS}
    FROM {T_REGISTRATION} r WHERE r.user_id IS NOT NULL AND ({where})
    UNION
    SELECT m.user_id, {REGISTRATION_COLUMNS}
    FROM {T_REGISTRATION} r CROSS JOIN LATERAL ({_by_index(T_MEMBERSHIP, "team_id = r.team_id")}) m
    WHERE r.team_id IS NOT NULL AND ({where})
"""


# --- The rules. ---

# registered, joined and completed in one pass over the registrations: each roster moment is checked once per
# (player, registration) and each registration row is read once, not once per event type.
REGISTRATION_EVENTS = f"""
    SELECT x.user_id, ev.event_type, ev.at, x.metadata, {_label(Registration)}, x.registration_id
    FROM (
        SELECT r.player_id AS user_id, r.id AS registration_id, r.confirmed_at, r.checked_in_at, t.completed_at,
               {TOURNAMENT_METADATA} AS metadata,
               {_on_roster(["r.confirmed_at"])} AS registered,
               r.checked_in AND r.checked_in_at IS NOT NULL AND {_on_roster(["r.checked_in_at"])} AS checked_in,
               t.status = '{COMPLETED}' AND t.completed_at IS NOT NULL AND r.status = '{CONFIRMED}'
                 AND {_on_roster(["t.completed_at"])} AS completed
        FROM participations r CROSS JOIN LATERAL ({_by_index(T_TOURNAMENT, "id = r.tournament_id")}) t
        WHERE r.confirmed_at IS NOT NULL
        OFFSET 0  -- each registration's metadata and roster checks once, not once per event type
    ) x
    CROSS JOIN LATERAL (VALUES
        ('{E.TOURNAMENT_REGISTERED.value}', x.confirmed_at, x.registered),
        ('{E.TOURNAMENT_JOINED.value}', x.checked_in_at, x.registered AND x.checked_in),
        ('{E.TOURNAMENT_COMPLETED.value}', x.completed_at, x.registered AND x.checked_in AND x.completed)
    ) AS ev(event_type, at, due)
    WHERE ev.due
"""

_COMPLETED_PARTICIPANT = (
    f"t.status = '{COMPLETED}' AND t.completed_at IS NOT NULL AND r.status = '{CONFIRMED}' "
    "AND r.checked_in AND r.checked_in_at IS NOT NULL AND r.confirmed_at IS NOT NULL AND "
    + _on_roster(["r.confirmed_at", "r.checked_in_at", "t.completed_at"])
)


def placement_events(only: str = "") -> str:
    """The placement rule; `only` narrows the results read (an extra condition on `x`, the result row)."""
    placed = f"registration_id = r.id AND x.placement BETWEEN {min(PLACEMENT_EVENTS)} AND {max(PLACEMENT_EVENTS)}"
    return f"""
    SELECT r.player_id, {_placement_event()}, GREATEST(res.created_at, t.completed_at),
           {TOURNAMENT_METADATA}
             || jsonb_build_object('placement', res.placement, 'prize', res.prize, 'result_id', res.id),
           {_label(TournamentResult)}, res.id
    FROM participations r
    CROSS JOIN LATERAL ({_by_index(T_RESULT, placed + only)}) res
    CROSS JOIN LATERAL ({_by_index(T_TOURNAMENT, "id = res.tournament_id")}) t
    WHERE {_COMPLETED_PARTICIPANT}
"""


_SIDE_COLUMNS = "r.player_id AS user_id, r.id AS registration_id, r.status, r.team_id"
_MATCH_COLUMNS = "mt.id AS match_id, mt.tournament_id, mt.round, mt.winner_id, mt.is_forfeit, mt.completed_at"


def match_events(only: str = "") -> str:
    """The match rule; `only` narrows the matches read (an extra condition on `x`, the match row).

    A player on the rosters of both sides (a no-show side included) has no single outcome: no event for them.
    Each (player, match) row is built once, fenced by OFFSET 0, and then fans out into its two events; without
    the fence the planner evaluates the metadata and the opponent lookups once per event.
    """
    done = f" AND x.state = '{MATCH_COMPLETED}' AND x.completed_at IS NOT NULL{only}"
    return f"""
    SELECT pm.user_id, ev.event_type, pm.completed_at, pm.metadata, {_label(Match)}, pm.match_id
    FROM (
        SELECT s.user_id, s.match_id, s.completed_at, s.winner_id, s.registration_id,
               jsonb_build_object('tournament_id', s.tournament_id, 'tournament_name', t.name,
                                  'match_id', s.match_id, 'round', s.round,
                                  'opponent', COALESCE(ot.name, o.username),
                                  'is_forfeit', s.is_forfeit) || {_team_id("s")} AS metadata
        FROM (
            SELECT {_SIDE_COLUMNS}, mt.side_b_id AS opponent_id, {_MATCH_COLUMNS}
            FROM participations r CROSS JOIN LATERAL ({_by_index(T_MATCH, "side_a_id = r.id" + done)}) mt
            UNION ALL
            SELECT {_SIDE_COLUMNS}, mt.side_a_id, {_MATCH_COLUMNS}
            FROM participations r CROSS JOIN LATERAL ({_by_index(T_MATCH, "side_b_id = r.id" + done)}) mt
        ) s
        CROSS JOIN LATERAL ({_by_index(T_TOURNAMENT, "id = s.tournament_id")}) t
        CROSS JOIN LATERAL (
            SELECT x.user_id, x.team_id, (SELECT ou.username FROM {T_USER} ou WHERE ou.id = x.user_id) AS username
            FROM ({_by_index(T_REGISTRATION, "id = s.opponent_id")}) x
        ) o
        LEFT JOIN LATERAL ({_by_index(T_TEAM, "id = o.team_id")}) ot ON true
        WHERE s.status <> '{NO_SHOW}' AND {_on_roster(["s.completed_at"], user="s.user_id", registration="s")}
          AND NOT (COALESCE(o.user_id = s.user_id, false)
                   OR o.team_id IS NOT NULL
                      AND {_on_roster(["s.completed_at"], user="s.user_id", registration="o")})
        OFFSET 0
    ) pm
    CROSS JOIN LATERAL (VALUES
        ('{E.MATCH_PLAYED.value}'),
        (CASE WHEN pm.winner_id IS NULL THEN '{E.MATCH_DRAWN.value}'
              WHEN pm.winner_id = pm.registration_id THEN '{E.MATCH_WON.value}' ELSE '{E.MATCH_LOST.value}' END)
    ) AS ev(event_type)
"""


def transaction_events(where: str) -> str:
    """The transaction rule over the transactions `x` matching `where`."""
    return f"""
    SELECT x.user_id, CASE WHEN x.amount > 0 THEN '{E.COINS_EARNED.value}' ELSE '{E.COINS_SPENT.value}' END,
           x.created_at,
           jsonb_build_object('amount', abs(x.amount), 'reason', x.reason, 'reference', x.reference,
                              'transaction_id', x.id),
           {_label(DeltaCrownTransaction)}, x.id
    FROM {T_TRANSACTION} x WHERE {where}
"""


def membership_events(where: str) -> str:
    """The membership rule over the memberships `m` matching `where`."""
    return f"""
    SELECT m.user_id, ev.event_type, ev.at, jsonb_build_object('team_id', tm.id, 'team_name', tm.name),
           {_label(TeamMembership)}, m.id
    FROM {T_MEMBERSHIP} m CROSS JOIN LATERAL ({_by_index(T_TEAM, "id = m.team_id")}) tm
    CROSS JOIN LATERAL (VALUES ('{E.TEAM_JOINED.value}', m.joined_at), ('{E.TEAM_LEFT.value}', m.left_at))
        AS ev(event_type, at)
    WHERE ({where}) AND ev.at IS NOT NULL
"""


def achievement_events(where: str) -> str:
    """The achievement rule over the unlocks `u` matching `where`."""
    return f"""
    SELECT u.user_id, '{E.ACHIEVEMENT_UNLOCKED.value}', u.unlocked_at,
           jsonb_build_object('achievement_id', a.id, 'achievement_code', a.code, 'achievement_name', a.name),
           {_label(UserAchievement)}, u.id
    FROM {T_UNLOCK} u CROSS JOIN LATERAL ({_by_index(T_ACHIEVEMENT, "id = u.achievement_id")}) a
    WHERE {where}
"""


def candidates_cte(*, participations: str | None, selects: Sequence[str]) -> str:
    """`WITH [participations AS (…),] candidates AS (…)`: the rules' rows, one per idempotency key or more."""
    union = "\n    UNION ALL\n".join(f"({select})" for select in selects)
    scope = f"participations AS ({participations}),\n" if participations is not None else ""
    return f"WITH {scope}candidates ({COLUMNS}) AS (\n{union}\n)"


# --- Live recording: the rules scoped to the source rows just saved, by their ids (`%(ids)s`). ---


@dataclass(frozen=True)
class SourceKind:
    name: str
    participations: str | None  # the registrations the rules read, or None for rules on their own table
    selects: tuple[str, ...]


IDS = "%(ids)s"
KINDS: dict[str, SourceKind] = {
    kind.name: kind
    for kind in (
        SourceKind("registration", participations_of_registrations(f"r.id = ANY({IDS})"), (REGISTRATION_EVENTS,)),
        # A tournament's completion: tournament_completed for its participants and the placements entered.
        SourceKind(
            "completion",
            participations_of_registrations(f"r.tournament_id = ANY({IDS})"),
            (REGISTRATION_EVENTS, placement_events()),
        ),
        SourceKind(
            "result",
            participations_of_registrations(f"r.id IN (SELECT registration_id FROM {T_RESULT} WHERE id = ANY({IDS}))"),
            (placement_events(f" AND x.id = ANY({IDS})"),),
        ),
        SourceKind(
            "match",
            participations_of_registrations(
                f"r.id IN (SELECT side_a_id FROM {T_MATCH} WHERE id = ANY({IDS}) "
                f"UNION ALL SELECT side_b_id FROM {T_MATCH} WHERE id = ANY({IDS}))"
            ),
            (match_events(f" AND x.id = ANY({IDS})"),),
        ),
        SourceKind("transaction", None, (transaction_events(f"x.id = ANY({IDS})"),)),
        SourceKind("membership", None, (membership_events(f"m.id = ANY({IDS})"),)),
        SourceKind("achievement", None, (achievement_events(f"u.id = ANY({IDS})"),)),
    )
}


def _record_sql(kind: SourceKind) -> str:
    # Events in user order, and the stats rows added to in user order (STATS_ADD_INSERTED): two transactions
    # touching the same players lock them in the same order and cannot deadlock.
    return f"""{candidates_cte(participations=kind.participations, selects=kind.selects)},
inserted AS (
    INSERT INTO {T_ACTIVITY} ({COLUMNS}, recorded_at)
    SELECT {COLUMNS}, %(recorded_at)s FROM candidates
    ORDER BY {INSERT_ORDER}
    ON CONFLICT (user_id, source_model, source_id, event_type) DO NOTHING
    RETURNING id, user_id, event_type, timestamp, metadata
),
{STATS_ADD_INSERTED}
SELECT i.id, i.event_type, i.user_id, EXISTS (SELECT 1 FROM added WHERE added.user_id = i.user_id)
FROM inserted i ORDER BY i.id"""


def _preview_sql(kind: SourceKind) -> str:
    return (
        f"{candidates_cte(participations=kind.participations, selects=kind.selects)}\nSELECT {COLUMNS} FROM candidates"
    )


RECORD_SQL = {name: _record_sql(kind) for name, kind in KINDS.items()}
PREVIEW_SQL = {name: _preview_sql(kind) for name, kind in KINDS.items()}


@transaction.atomic
def record_sources(*, kind: str, ids: Sequence[int]) -> list[int]:
    """Record every event the source rows `ids` of `kind` stand for and are not yet in the log, and add them
    to the players' stats, in one statement; returns the ids of the events inserted.

    Idempotent: events already recorded are skipped by the idempotency key and change no stat.
    """
    live_stats = live_stats_enabled()
    rows = execute_prepared(
        RECORD_SQL[kind], {"ids": list(ids), "recorded_at": timezone.now(), "live_stats": live_stats}
    )
    without_stats_row = [(activity_id, user_id) for activity_id, _, user_id, added in rows if not added]
    if without_stats_row and live_stats:
        stats_add_events(
            user_ids=[user_id for _, user_id in without_stats_row],
            event_ids=[activity_id for activity_id, _ in without_stats_row],
        )
    if rows:
        if not live_stats:
            # With live stats the statement above locked the players' stats rows; without, lock them here:
            # the stream numbers are assigned under that lock.
            lock_players(sorted({user_id for _, _, user_id, _ in rows}))
        stream_append(
            activity_ids=[activity_id for activity_id, _, _, _ in rows], user_ids=[user_id for _, _, user_id, _ in rows]
        )
        inserted_types = [event_type for _, event_type, _, _ in rows]
        transaction.on_commit(lambda: metrics.count_recorded_events(event_types=inserted_types))
    return [activity_id for activity_id, _, _, _ in rows]


def source_events(*, kind: str, ids: Sequence[int]) -> list[tuple[object, ...]]:
    """The (user_id, event_type, timestamp, metadata, source_model, source_id) rows the source rows stand for,
    recorded or not; writes nothing."""
    with connection.cursor() as cursor:
        cursor.execute(PREVIEW_SQL[kind], {"ids": list(ids)})
        return list(cursor.fetchall())
