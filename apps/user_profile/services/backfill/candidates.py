"""The SQL twin of `services/sources.py`: every event the live integration would record for a batch of players.

One SELECT yields (user_id, event_type, timestamp, metadata, source_model, source_id) rows for the players in
the array parameter `%(user_ids)s`, for all history at once, so the backfill inserts them with one
`INSERT … SELECT … ON CONFLICT DO NOTHING` instead of a Python round trip per row. Every rule here mirrors
one in sources.py (a parity test builds a history through the live services and compares both row by row):

- registrations: tournament_registered once confirmed, tournament_joined once checked in;
- completion: tournament_completed for a confirmed, checked-in registration of a COMPLETED tournament;
- results: placement 1, 2, 3 or 4 events for those same participants, at max(entered, completed);
- matches: match_played plus won / lost / drawn per side, nothing for a no-show side nor for a player on
  both sides' rosters;
- transactions, team memberships, achievements: one row each (two for a membership that ended).

Team rosters follow sources.py: a team registration's events go to members on the roster at every moment
of the chain so far (confirmed, checked in, completed); a team match to the roster when it completed.
"""

from django.contrib.auth import get_user_model

from apps.economy.models import DeltaCrownTransaction
from apps.teams.models import Team, TeamMembership
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult
from apps.user_profile.models import Achievement, UserAchievement
from apps.user_profile.models import ActivityEventType as E

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


TOURNAMENT_METADATA = (
    "jsonb_build_object('tournament_id', t.id, 'tournament_name', t.name, 'game', t.game, 'registration_id', r.id)"
    f" || {_team_id('r')}"
)

# The (player, registration) pairs of the batch: their own solo registrations and every registration of a
# team they were ever on (the roster checks then keep only the moments they were on it). Both are index
# lookups from the batch's players, and the pairs carry the registration's columns, so no event query below
# reads the registration table again: a batch costs its own players' history, not the table's size.
_REGISTRATION_COLUMNS = "r.id, r.tournament_id, r.team_id, r.status, r.confirmed_at, r.checked_in, r.checked_in_at"
PARTICIPATIONS = f"""
    SELECT r.user_id AS player_id, {_REGISTRATION_COLUMNS}
    FROM {T_REGISTRATION} r WHERE r.user_id = ANY(%(user_ids)s)
    UNION
    SELECT m.user_id, {_REGISTRATION_COLUMNS}
    FROM {T_MEMBERSHIP} m JOIN {T_REGISTRATION} r ON r.team_id = m.team_id
    WHERE m.user_id = ANY(%(user_ids)s)
"""

_COMPLETED_PARTICIPANT = (
    f"t.status = '{COMPLETED}' AND t.completed_at IS NOT NULL AND r.status = '{CONFIRMED}' "
    "AND r.checked_in AND r.checked_in_at IS NOT NULL AND r.confirmed_at IS NOT NULL AND "
    + _on_roster(["r.confirmed_at", "r.checked_in_at", "t.completed_at"])
)

# registered, joined and completed in one pass over the batch's registrations: each roster moment is checked
# once per (player, registration) and each registration row is read once, not once per event type.
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

PLACEMENTS = f"""
    SELECT r.player_id,
           CASE res.placement WHEN 1 THEN '{E.TOURNAMENT_WON.value}' WHEN 2 THEN '{E.TOURNAMENT_RUNNER_UP.value}'
                ELSE '{E.TOURNAMENT_TOP4.value}' END,
           GREATEST(res.created_at, t.completed_at),
           {TOURNAMENT_METADATA}
             || jsonb_build_object('placement', res.placement, 'prize', res.prize, 'result_id', res.id),
           {_label(TournamentResult)}, res.id
    FROM participations r
    CROSS JOIN LATERAL ({_by_index(T_RESULT, "registration_id = r.id AND x.placement BETWEEN 1 AND 4")}) res
    CROSS JOIN LATERAL ({_by_index(T_TOURNAMENT, "id = res.tournament_id")}) t
    WHERE {_COMPLETED_PARTICIPANT}
"""

_MATCH_DONE = f" AND x.state = '{MATCH_COMPLETED}' AND x.completed_at IS NOT NULL"
_SIDE_COLUMNS = "r.player_id AS user_id, r.id AS registration_id, r.status, r.team_id"
_MATCH_COLUMNS = "mt.id AS match_id, mt.tournament_id, mt.round, mt.winner_id, mt.is_forfeit, mt.completed_at"

# A player on the rosters of both sides (a no-show side included) has no single outcome: no event for them.
# Each (player, match) row is built once, fenced by OFFSET 0, and then fans out into its two events; without
# the fence the planner evaluates the metadata and the opponent lookups once per event.
MATCHES = f"""
    SELECT pm.user_id, ev.event_type, pm.completed_at, pm.metadata, {_label(Match)}, pm.match_id
    FROM (
        SELECT s.user_id, s.match_id, s.completed_at, s.winner_id, s.registration_id,
               jsonb_build_object('tournament_id', s.tournament_id, 'tournament_name', t.name,
                                  'match_id', s.match_id, 'round', s.round,
                                  'opponent', COALESCE(ot.name, o.username),
                                  'is_forfeit', s.is_forfeit) || {_team_id("s")} AS metadata
        FROM (
            SELECT {_SIDE_COLUMNS}, mt.side_b_id AS opponent_id, {_MATCH_COLUMNS}
            FROM participations r CROSS JOIN LATERAL ({_by_index(T_MATCH, "side_a_id = r.id" + _MATCH_DONE)}) mt
            UNION ALL
            SELECT {_SIDE_COLUMNS}, mt.side_a_id, {_MATCH_COLUMNS}
            FROM participations r CROSS JOIN LATERAL ({_by_index(T_MATCH, "side_b_id = r.id" + _MATCH_DONE)}) mt
        ) s
        CROSS JOIN LATERAL ({_by_index(T_TOURNAMENT, "id = s.tournament_id")}) t
        CROSS JOIN LATERAL (
            SELECT x.user_id, x.team_id, (SELECT ou.username FROM {T_USER} ou WHERE ou.id = x.user_id) AS username
            FROM ({_by_index(T_REGISTRATION, "id = s.opponent_id")}) x
        ) o
        LEFT JOIN {T_TEAM} ot ON ot.id = o.team_id
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

TRANSACTIONS = f"""
    SELECT x.user_id, CASE WHEN x.amount > 0 THEN '{E.COINS_EARNED.value}' ELSE '{E.COINS_SPENT.value}' END, x.created_at,
           jsonb_build_object('amount', abs(x.amount), 'reason', x.reason, 'reference', x.reference,
                              'transaction_id', x.id),
           {_label(DeltaCrownTransaction)}, x.id
    FROM {T_TRANSACTION} x WHERE x.user_id = ANY(%(user_ids)s)
"""

MEMBERSHIPS = f"""
    SELECT m.user_id, ev.event_type, ev.at, jsonb_build_object('team_id', tm.id, 'team_name', tm.name),
           {_label(TeamMembership)}, m.id
    FROM {T_MEMBERSHIP} m JOIN {T_TEAM} tm ON tm.id = m.team_id
    CROSS JOIN LATERAL (VALUES ('{E.TEAM_JOINED.value}', m.joined_at), ('{E.TEAM_LEFT.value}', m.left_at)) AS ev(event_type, at)
    WHERE m.user_id = ANY(%(user_ids)s) AND ev.at IS NOT NULL
"""

ACHIEVEMENTS = f"""
    SELECT u.user_id, '{E.ACHIEVEMENT_UNLOCKED.value}', u.unlocked_at,
           jsonb_build_object('achievement_id', a.id, 'achievement_code', a.code, 'achievement_name', a.name),
           {_label(UserAchievement)}, u.id
    FROM {T_UNLOCK} u JOIN {T_ACHIEVEMENT} a ON a.id = u.achievement_id
    WHERE u.user_id = ANY(%(user_ids)s)
"""

CANDIDATE_SELECTS = (
    REGISTRATION_EVENTS,
    PLACEMENTS,
    MATCHES,
    TRANSACTIONS,
    MEMBERSHIPS,
    ACHIEVEMENTS,
)

COLUMNS = "user_id, event_type, timestamp, metadata, source_model, source_id"


def candidates_cte() -> str:
    """`WITH participations AS (…), candidates AS (…)`: every event of the batch's players, one row per key."""
    union = "\n    UNION ALL\n".join(f"({select})" for select in CANDIDATE_SELECTS)
    return f"WITH participations AS ({PARTICIPATIONS}),\ncandidates ({COLUMNS}) AS (\n{union}\n)"
