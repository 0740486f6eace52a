"""Measure the activity backfill: build a history straight into the domain tables, then time it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dc_ops_bench .venv/bin/python scripts/bench_backfill.py

History: by default a synthetic one (--players N default 20000, --solo-cups N default 5000, --team-cups N
default 500); with --platform-users N --platform-events N the product's generator (`generate_platform`:
realistic rosters, withdrawals, no-shows, forfeits). --keep-history reuses the domain rows already there and
only empties the activity log and the stats, so runs can be repeated on the same data.
Run: --batch-size N (default 500), --workers N (default 1: shards run in parallel processes).
The database is migrated and its domain and activity tables are EMPTIED: use a database of its own.
Prints figures (wall time, events/s, database CPU time, load average); it asserts nothing about time.
"""

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dc_ops_bench")
os.environ.setdefault("DATABASE_POOL", "0")

import django

django.setup()

import pgtrigger  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from apps.benchmarks.services.generate import platform_generate  # noqa: E402
from apps.economy.models import DeltaCrownTransaction  # noqa: E402
from apps.teams.models import Team, TeamMembership  # noqa: E402
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult  # noqa: E402
from apps.user_profile.models import (  # noqa: E402
    Achievement,
    BackfillRun,
    UserAchievement,
    UserActivity,
    UserProfile,
    UserProfileStats,
)
from apps.user_profile.services.backfill import activity_backfill  # noqa: E402
from apps.user_profile.services.reconcile import stats_reconcile  # noqa: E402

NO_TRUNCATE = "user_profile.UserActivity:no_truncate"
# The tables, by model name (Model._meta.db_table).
T = {
    model.__name__: model._meta.db_table
    for model in (
        User,
        UserActivity,
        UserProfileStats,
        UserProfile,
        UserAchievement,
        Achievement,
        BackfillRun,
        DeltaCrownTransaction,
        Match,
        TournamentResult,
        Registration,
        Tournament,
        TeamMembership,
        Team,
    )
}
# Every table the generated history fills, children first.
TABLES = ", ".join(
    T[name]
    for name in (
        "UserActivity",
        "UserProfileStats",
        "UserProfile",
        "UserAchievement",
        "Achievement",
        "DeltaCrownTransaction",
        "Match",
        "TournamentResult",
        "Registration",
        "Tournament",
        "TeamMembership",
        "Team",
        "User",
    )
)

# Solo cups: 16 players each, all confirmed and checked in, 15 matches (a win, a loss, every 5th a draw),
# placements 1-4 entered at completion. Team cups: 8 teams of 5, 7 matches, placements 1-4. Every player
# joins one team (every 7th leaves it again), has 20 coin transactions and 2 achievements.
GENERATE = """
INSERT INTO {User} (id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                       date_joined)
SELECT i, '!', false, 'bench' || i, '', '', '', false, true, now() - interval '400 days'
FROM generate_series(1, %(players)s) i;
INSERT INTO {UserProfile} (user_id, display_name, bio, created_at)
SELECT id, '', '', date_joined FROM {User};

INSERT INTO {Team} (id, name, tag, created_at)
SELECT i, 'Bench team ' || i, '', now() - interval '400 days' FROM generate_series(1, %(players)s / 5) i;
INSERT INTO {TeamMembership} (id, team_id, user_id, joined_at, left_at)
SELECT u, (u - 1) / 5 + 1, u, now() - interval '399 days',
       CASE WHEN u %% 7 = 0 THEN now() - interval '1 day' END
FROM generate_series(1, (%(players)s / 5) * 5) u;

INSERT INTO {Tournament} (id, name, game, status, format, starts_at, prize_pool, created_at, completed_at)
SELECT t, 'Bench cup ' || t, 'Valorant', 'COMPLETED', CASE WHEN t > %(solo)s THEN 'TEAM' ELSE 'SOLO' END,
       now() - interval '300 days' + t * interval '1 minute', 1000, now() - interval '300 days',
       now() - interval '300 days' + t * interval '1 minute' + interval '5 hours'
FROM generate_series(1, %(solo)s + %(team)s) t;

INSERT INTO {Registration} (id, tournament_id, user_id, team_id, status, registered_at, confirmed_at,
                                      checked_in, checked_in_at)
SELECT (t - 1) * 16 + j + 1, t, ((t - 1) * 16 + j) %% %(players)s + 1, NULL, 'CONFIRMED', tt.starts_at,
       tt.starts_at, true, tt.starts_at + interval '1 hour'
FROM generate_series(1, %(solo)s) t CROSS JOIN generate_series(0, 15) j
JOIN {Tournament} tt ON tt.id = t;
INSERT INTO {Registration} (id, tournament_id, user_id, team_id, status, registered_at, confirmed_at,
                                      checked_in, checked_in_at)
SELECT %(solo)s * 16 + (t - %(solo)s - 1) * 8 + j + 1, t, NULL, ((t * 8 + j) %% (%(players)s / 5)) + 1,
       'CONFIRMED', tt.starts_at, tt.starts_at, true, tt.starts_at + interval '1 hour'
FROM generate_series(%(solo)s + 1, %(solo)s + %(team)s) t CROSS JOIN generate_series(0, 7) j
JOIN {Tournament} tt ON tt.id = t;

INSERT INTO {Match} (tournament_id, round, side_a_id, side_b_id, state, winner_id, is_forfeit,
                               scheduled_at, completed_at)
SELECT r.tournament_id, 1, r.id, r.id + 1, 'COMPLETED', CASE WHEN j %% 5 = 0 THEN NULL ELSE r.id END, false,
       tt.starts_at, tt.starts_at + interval '2 hours' + j * interval '1 second'
FROM {Registration} r
JOIN {Tournament} tt ON tt.id = r.tournament_id
CROSS JOIN LATERAL (SELECT CASE WHEN r.user_id IS NOT NULL THEN (r.id - 1) %% 16
                               ELSE (r.id - %(solo)s * 16 - 1) %% 8 END AS j) s
WHERE s.j < CASE WHEN r.user_id IS NOT NULL THEN 15 ELSE 7 END;

INSERT INTO {TournamentResult} (tournament_id, registration_id, placement, prize, created_at)
SELECT r.tournament_id, r.id, s.j + 1, 100 * (4 - s.j), tt.completed_at
FROM {Registration} r
JOIN {Tournament} tt ON tt.id = r.tournament_id
CROSS JOIN LATERAL (SELECT CASE WHEN r.user_id IS NOT NULL THEN (r.id - 1) %% 16
                               ELSE (r.id - %(solo)s * 16 - 1) %% 8 END AS j) s
WHERE s.j < 4;

INSERT INTO {DeltaCrownTransaction} (user_id, amount, reason, reference, created_at)
SELECT u, CASE WHEN k %% 4 = 0 THEN -(k * 3) ELSE k * 10 END, 'DAILY_REWARD', 'bench-' || k,
       now() - interval '200 days' + k * interval '1 day'
FROM generate_series(1, %(players)s) u CROSS JOIN generate_series(1, 20) k;

INSERT INTO {Achievement} (id, code, name, description) VALUES (1, 'bench-a', 'Bench A', ''),
                                                                          (2, 'bench-b', 'Bench B', '');
INSERT INTO {UserAchievement} (user_id, achievement_id, unlocked_at)
SELECT u, a, now() - interval '100 days' FROM generate_series(1, %(players)s) u CROSS JOIN generate_series(1, 2) a;
""".format(**T)

LOG_TABLES = ", ".join(T[name] for name in ("UserActivity", "UserProfileStats", "BackfillRun"))

SEQUENCES = [
    (T["User"], "id"),
    (T["Team"], "id"),
    (T["TeamMembership"], "id"),
    (T["Tournament"], "id"),
    (T["Registration"], "id"),
    (T["Achievement"], "id"),
]


def _backend_cpu_seconds() -> float | None:
    """CPU time used so far by this connection's PostgreSQL backend, when the server runs on this machine.

    On a shared machine wall time depends on the neighbours; CPU time shows what the work itself costs.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_shard(k: int, n: int, batch_size: int, dry_run: bool) -> tuple[int, int, int, float | None]:
    cpu_before = _backend_cpu_seconds()
    report = activity_backfill(batch_size=batch_size, dry_run=dry_run, shard=(k + 1, n) if n > 1 else None)
    cpu_after = _backend_cpu_seconds()
    connection.close()
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return report.events_created, report.users_processed, report.stats_recomputed, cpu


def _history_generate(args: argparse.Namespace) -> None:
    with connection.cursor() as cursor:
        with pgtrigger.ignore(NO_TRUNCATE):  # a benchmark database, emptied on purpose
            cursor.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
        if args.platform_users is None:
            cursor.execute(GENERATE, {"players": args.players, "solo": args.solo_cups, "team": args.team_cups})
            for table, column in SEQUENCES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), max({column})) FROM {table}"
                )
    if args.platform_users is not None:
        platform_generate(users=args.platform_users, events=args.platform_events, seed=1, build_events=False)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--players", type=int, default=20000)
    parser.add_argument("--solo-cups", type=int, default=5000)
    parser.add_argument("--team-cups", type=int, default=500)
    parser.add_argument("--platform-users", type=int, help="Generate the history with generate_platform.")
    parser.add_argument("--platform-events", type=int, default=1_000_000)
    parser.add_argument("--keep-history", action="store_true", help="Reuse the domain rows; rebuild the log only.")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1, help="Processes, one shard each (--shard K/N).")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    began = time.monotonic()
    if args.keep_history:
        with connection.cursor() as cursor:
            with pgtrigger.ignore(NO_TRUNCATE):
                cursor.execute(f"TRUNCATE {LOG_TABLES}")
            cursor.execute("VACUUM ANALYZE")
        print("history kept; activity log and stats emptied")
    else:
        _history_generate(args)
        print(f"history generated in {time.monotonic() - began:.1f}s")

    connection.close()  # the worker processes open their own
    print(f"{args.workers} worker(s), batch size {args.batch_size}; load average {os.getloadavg()[0]:.2f} at the start")
    for label, dry_run in (("dry run", True), ("backfill", False), ("second run", False)):
        began = time.monotonic()
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            reports = pool.starmap(
                _run_shard, [(k, args.workers, args.batch_size, dry_run) for k in range(args.workers)]
            )
        seconds = time.monotonic() - began
        events = sum(r[0] for r in reports)
        cpus = [r[3] for r in reports]
        cpu = f", database CPU {sum(c for c in cpus if c is not None):.2f}s" if None not in cpus else ""
        print(
            f"{label:<10} {events:>9} events, {sum(r[1] for r in reports)} players, {args.workers} worker(s), "
            f"stats recomputed {sum(r[2] for r in reports)}: {seconds:.2f}s ({events / seconds:,.0f} events/s)"
            f"{cpu}; load average {os.getloadavg()[0]:.1f}"
        )
    began = time.monotonic()
    check = stats_reconcile(record_run=False)
    print(
        f"reconcile  {check.users_checked} players, {check.users_with_drift} drifted: "
        f"{time.monotonic() - began:.2f}s; {UserActivity.objects.count()} events in the log"
    )


if __name__ == "__main__":
    main()
