"""The rows of a realistic platform, computed in memory from a seed (no database access).

Skewed like real platforms: each player gets an activity weight from a power law over a random ranking, so a
few players enter most tournaments and make most transactions while most players appear a handful of times.
Tournaments have 8-128 entrants, solo or team, single elimination with byes, forfeits, no-shows and the odd
draw. The plan also counts the events the product's rules (apps.user_profile.services.sources) derive from
these rows, so a run can check that the backfill produced exactly them.
"""

import random
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Model
from django.utils import timezone

from apps.economy.models import DeltaCrownTransaction
from apps.teams.models import Team, TeamMembership
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult
from apps.user_profile.event_types import COUNTER_FIELDS, PLACEMENT_EVENTS
from apps.user_profile.models import Achievement, UserAchievement, UserProfile, UserProfileStats
from apps.user_profile.models import ActivityEventType as E

HISTORY_DAYS = 730
ACTIVITY_EXPONENT = 0.75  # weight of the player ranked r is r ** -0.75: a long tail of occasional players
TEAM_SIZE = 5
PLAYERS_PER_TEAM = 25  # one team per 25 players
SOLO_SIZES = ((8, 30), (16, 30), (32, 20), (64, 12), (128, 8))  # (entrants, relative frequency)
TEAM_SIZES = ((8, 50), (16, 35), (32, 15))
MIN_ENTRANTS = 8
TEAM_TOURNAMENT_SHARE = 0.2
UPCOMING_SHARE = 0.03  # tournaments still open for registration: registrations but no matches yet
TOURNAMENT_EVENT_SHARE = 0.65  # of the events left after teams and achievements; coin transactions fill the rest
GAMES = ("Valorant", "League of Legends", "Counter-Strike 2", "Dota 2", "Rocket League", "EA FC")
ACHIEVEMENTS = (
    ("first-blood", "First blood"),
    ("first-win", "First win"),
    ("hat-trick", "Hat-trick"),
    ("veteran", "Veteran"),
    ("comeback", "Comeback"),
    ("giant-slayer", "Giant slayer"),
    ("team-player", "Team player"),
    ("collector", "Collector"),
    ("big-spender", "Big spender"),
    ("marathon", "Marathon"),
    ("podium", "Podium"),
    ("champion", "Champion"),
)
PASSWORD_UNUSABLE = "!"  # Django's unusable-password marker: generated players cannot log in with a password


class PlanError(ValueError):
    """Arguments that do not describe a platform."""


@dataclass
class TablePlan:
    model: type[Model]
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class PlatformPlan:
    tables: list[TablePlan]  # in foreign-key order
    expected_events: Counter[str]
    user_weights: dict[int, float]

    @property
    def expected_event_total(self) -> int:
        return sum(self.expected_events.values())

    def rows_of(self, model: type[Model]) -> list[tuple[Any, ...]]:
        return next(table.rows for table in self.tables if table.model is model)


@dataclass
class _Membership:
    id: int
    user_id: int
    joined_at: datetime
    left_at: datetime | None = None


class _Ids:
    def __init__(self) -> None:
        self._next: Counter[str] = Counter()

    def take(self, name: str) -> int:
        self._next[name] += 1
        return self._next[name]


def _table(model: type[Model], *columns: str) -> TablePlan:
    return TablePlan(model=model, columns=columns)


class _PlatformBuilder:
    def __init__(self, *, users: int, events: int, seed: int, until: datetime) -> None:
        self.rng = random.Random(seed)
        self.user_count = users
        self.event_target = events
        self.until = until
        self.start = until - timedelta(days=HISTORY_DAYS)
        self.ids = _Ids()
        self.events: Counter[str] = Counter()
        self.users = _table(
            User,
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        )
        self.profiles = _table(UserProfile, "user_id", "display_name", "bio", "created_at")
        self.stats = _table(UserProfileStats, "user_id", *COUNTER_FIELDS)
        self.teams = _table(Team, "id", "name", "tag", "created_at")
        self.memberships = _table(TeamMembership, "id", "team_id", "user_id", "joined_at", "left_at")
        self.tournaments = _table(
            Tournament,
            "id",
            "name",
            "game",
            "status",
            "format",
            "starts_at",
            "prize_pool",
            "created_at",
            "completed_at",
        )
        self.registrations = _table(
            Registration,
            "id",
            "tournament_id",
            "user_id",
            "team_id",
            "status",
            "registered_at",
            "confirmed_at",
            "checked_in",
            "checked_in_at",
        )
        self.matches = _table(
            Match,
            "id",
            "tournament_id",
            "round",
            "side_a_id",
            "side_b_id",
            "state",
            "winner_id",
            "is_forfeit",
            "scheduled_at",
            "completed_at",
        )
        self.results = _table(
            TournamentResult, "id", "tournament_id", "registration_id", "placement", "prize", "created_at"
        )
        self.transactions = _table(
            DeltaCrownTransaction, "id", "user_id", "amount", "reason", "reference", "created_at"
        )
        self.achievements = _table(Achievement, "id", "code", "name", "description")
        self.unlocks = _table(UserAchievement, "id", "user_id", "achievement_id", "unlocked_at")
        self.weights: dict[int, float] = {}
        self.rosters: dict[int, list[_Membership]] = {}

    # -- helpers -------------------------------------------------------------------------------------------

    def moment(self, start: datetime, end: datetime) -> datetime:
        """A random instant in [start, end), to the second."""
        seconds = max(int((end - start).total_seconds()), 1)
        return start + timedelta(seconds=self.rng.randrange(seconds))

    def weighted_sample(self, population: list[int], cum_weights: list[float], k: int) -> list[int]:
        """k distinct members drawn by weight (oversample, keep first occurrences)."""
        k = min(k, len(population))
        chosen: dict[int, None] = {}
        total = cum_weights[-1]
        while len(chosen) < k:
            for _ in range(2 * (k - len(chosen)) + 4):
                index = bisect_left(cum_weights, self.rng.random() * total)
                chosen.setdefault(population[min(index, len(population) - 1)], None)
                if len(chosen) == k:
                    break
        return list(chosen)

    def roster(self, team_id: int, moments: list[datetime]) -> list[int]:
        """Members on the roster at every one of `moments` (the roster rule of services/sources.py, restated)."""
        return [
            m.user_id
            for m in self.rosters[team_id]
            if all(m.joined_at <= t and (m.left_at is None or m.left_at > t) for t in moments)
        ]

    def participants(self, entrant: tuple[int | None, int | None], moments: list[datetime]) -> int:
        user_id, team_id = entrant
        if user_id is not None:
            return 1
        assert team_id is not None
        return len(self.roster(team_id, moments))

    # -- players, teams, achievements --------------------------------------------------------------------

    def build_players(self) -> None:
        ranks = list(range(1, self.user_count + 1))
        self.rng.shuffle(ranks)
        for rank in ranks:
            user_id = self.ids.take("user")
            joined = self.moment(self.start - timedelta(days=60), self.start)
            username = f"player{user_id:06d}"
            self.users.rows.append(
                (user_id, PASSWORD_UNUSABLE, False, username, "", "", f"{username}@example.com", False, True, joined)
            )
            self.profiles.rows.append((user_id, f"Player {user_id}", "", joined))
            self.stats.rows.append((user_id, *([0] * len(COUNTER_FIELDS))))
            self.weights[user_id] = rank**-ACTIVITY_EXPONENT
        self.player_ids = list(self.weights)
        self.player_cum_weights = list(accumulate(self.weights[u] for u in self.player_ids))

    def build_teams(self) -> None:
        team_count = self.user_count // PLAYERS_PER_TEAM
        if team_count < 4:
            self.team_ids: list[int] = []
            return
        members = self.weighted_sample(self.player_ids, self.player_cum_weights, team_count * TEAM_SIZE)
        in_team = set(members)
        free = [u for u in self.player_ids if u not in in_team]
        self.rng.shuffle(free)
        for number in range(team_count):
            team_id = self.ids.take("team")
            created = self.moment(self.start - timedelta(days=30), self.start)
            self.teams.rows.append((team_id, f"Team {team_id:04d}", f"T{team_id}", created))
            roster = [
                _Membership(id=self.ids.take("membership"), user_id=user_id, joined_at=created + timedelta(minutes=i))
                for i, user_id in enumerate(members[number * TEAM_SIZE : (number + 1) * TEAM_SIZE])
            ]
            # Churn: some players leave during the history and a free player takes the seat.
            for _ in range(self.rng.choice((0, 0, 0, 1, 1, 2))):
                if not free:
                    break
                current = [m for m in roster if m.left_at is None]
                leaver = self.rng.choice(current)
                leaver.left_at = self.moment(max(leaver.joined_at, self.start) + timedelta(days=1), self.until)
                roster.append(_Membership(id=self.ids.take("membership"), user_id=free.pop(), joined_at=leaver.left_at))
            self.rosters[team_id] = roster
            for m in roster:
                self.memberships.rows.append((m.id, team_id, m.user_id, m.joined_at, m.left_at))
                self.events[E.TEAM_JOINED] += 1
                if m.left_at is not None:
                    self.events[E.TEAM_LEFT] += 1
        self.team_ids = list(self.rosters)
        self.team_weights = {
            team_id: sum(self.weights[m.user_id] for m in roster) / len(roster)
            for team_id, roster in self.rosters.items()
        }
        self.team_cum_weights = list(accumulate(self.team_weights[t] for t in self.team_ids))

    def build_achievements(self) -> None:
        achievement_ids = []
        for code, name in ACHIEVEMENTS:
            achievement_id = self.ids.take("achievement")
            self.achievements.rows.append((achievement_id, code, name, f"Unlocked by {name.lower()}."))
            achievement_ids.append(achievement_id)
        top = max(self.weights.values())
        for user_id in self.player_ids:
            chance = 0.05 + 0.8 * (self.weights[user_id] / top) ** 0.3
            for achievement_id in achievement_ids:
                if self.rng.random() < chance:
                    unlocked = self.moment(self.start, self.until)
                    self.unlocks.rows.append((self.ids.take("unlock"), user_id, achievement_id, unlocked))
                    self.events[E.ACHIEVEMENT_UNLOCKED] += 1

    # -- tournaments ----------------------------------------------------------------------------------------

    def build_tournaments(self, *, event_budget: int) -> None:
        spent = 0
        while spent < event_budget:
            before = sum(self.events.values())
            is_team = len(self.team_ids) >= MIN_ENTRANTS and self.rng.random() < TEAM_TOURNAMENT_SHARE
            self.build_tournament(is_team=is_team)
            spent += sum(self.events.values()) - before

    def pick_size(self, sizes: tuple[tuple[int, int], ...], available: int) -> int:
        size = self.rng.choices([s for s, _ in sizes], weights=[w for _, w in sizes])[0]
        return max(MIN_ENTRANTS, min(size, available))

    def build_tournament(self, *, is_team: bool) -> None:
        tournament_id = self.ids.take("tournament")
        upcoming = self.rng.random() < UPCOMING_SHARE
        if upcoming:
            starts_at = self.moment(self.until + timedelta(days=1), self.until + timedelta(days=14))
        else:
            starts_at = self.moment(self.start + timedelta(days=14), self.until - timedelta(days=1))
        if is_team:
            size = self.pick_size(TEAM_SIZES, len(self.team_ids))
            entrants: list[tuple[int | None, int | None]] = [
                (None, t) for t in self.weighted_sample(self.team_ids, self.team_cum_weights, size)
            ]
        else:
            size = self.pick_size(SOLO_SIZES, len(self.player_ids))
            entrants = [(u, None) for u in self.weighted_sample(self.player_ids, self.player_cum_weights, size)]
        prize_pool = self.rng.choice((0, 0, 1_000, 5_000, 25_000))
        entry_fee = prize_pool // (len(entrants) * 2) if prize_pool and not is_team else 0
        game = self.rng.choice(GAMES)
        created = starts_at - timedelta(days=21)

        bracket: list[tuple[int, tuple[int | None, int | None], bool]] = []  # (registration, entrant, no-show)
        checked_in: dict[int, tuple[list[datetime], tuple[int | None, int | None]]] = {}
        for entrant in entrants:
            registration_id = self.ids.take("registration")
            registered = self.moment(starts_at - timedelta(days=10), starts_at - timedelta(days=1))
            registered = min(registered, self.until - timedelta(hours=1))
            roll = self.rng.random()
            # 5% still pending, 3% cancelled before confirmation, the rest confirmed.
            confirmed = None if roll < 0.08 else registered + timedelta(minutes=self.rng.randrange(1, 180))
            status = Registration.Status.PENDING if roll < 0.05 else Registration.Status.CANCELLED
            checked_in_at = None
            if confirmed is not None:
                status = Registration.Status.CONFIRMED
                self.events[E.TOURNAMENT_REGISTERED] += self.participants(entrant, [confirmed])
                if upcoming:
                    pass  # check-in opens shortly before the start
                elif self.rng.random() < 0.08:
                    status = Registration.Status.NO_SHOW
                    bracket.append((registration_id, entrant, True))
                else:
                    checked_in_at = starts_at - timedelta(minutes=self.rng.randrange(5, 60))
                    self.events[E.TOURNAMENT_JOINED] += self.participants(entrant, [confirmed, checked_in_at])
                    bracket.append((registration_id, entrant, False))
                    checked_in[registration_id] = ([confirmed, checked_in_at], entrant)
                if entry_fee:
                    self.add_transaction(entrant[0], -entry_fee, "ENTRY_FEE", f"tournament:{tournament_id}", confirmed)
            self.registrations.rows.append(
                (
                    registration_id,
                    tournament_id,
                    entrant[0],
                    entrant[1],
                    status,
                    registered,
                    confirmed,
                    checked_in_at is not None,
                    checked_in_at,
                )
            )

        completed_at = None
        if not upcoming and len(bracket) >= 2:
            placements, last_match_at = self.play_bracket(tournament_id, bracket, starts_at)
            completed_at = last_match_at + timedelta(minutes=15)
            for moments, entrant in checked_in.values():
                self.events[E.TOURNAMENT_COMPLETED] += self.participants(entrant, [*moments, completed_at])
            shares = {1: 0.5, 2: 0.25, 3: 0.125, 4: 0.125}
            for placement, registration_id in placements:
                prize = int(prize_pool * shares.get(placement, 0))
                self.results.rows.append(
                    (self.ids.take("result"), tournament_id, registration_id, placement, prize, completed_at)
                )
                if registration_id in checked_in and placement in PLACEMENT_EVENTS:
                    moments, entrant = checked_in[registration_id]
                    self.events[PLACEMENT_EVENTS[placement]] += self.participants(entrant, [*moments, completed_at])
                    if prize and entrant[0] is not None:
                        reference = f"tournament:{tournament_id}"
                        self.add_transaction(
                            entrant[0], prize, "TOURNAMENT_PRIZE", reference, completed_at + timedelta(hours=1)
                        )
        tournament_status = Tournament.Status.COMPLETED if completed_at else Tournament.Status.REGISTRATION_OPEN
        fmt = Tournament.Format.TEAM if is_team else Tournament.Format.SOLO
        name = f"{game} {'Team ' if is_team else ''}Cup #{tournament_id}"
        self.tournaments.rows.append(
            (tournament_id, name, game, tournament_status, fmt, starts_at, prize_pool, created, completed_at)
        )

    def skill(self, entrant: tuple[int | None, int | None]) -> float:
        user_id, team_id = entrant
        weight = self.weights[user_id] if user_id is not None else self.team_weights[team_id]  # type: ignore[index]
        return float(weight**0.5)

    def play_bracket(
        self,
        tournament_id: int,
        bracket: list[tuple[int, tuple[int | None, int | None], bool]],
        starts_at: datetime,
    ) -> tuple[list[tuple[int, int]], datetime]:
        """Single elimination with byes; returns (placement, registration) pairs and the last match's time."""
        alive = list(bracket)
        self.rng.shuffle(alive)
        eliminated_in: list[list[int]] = []
        round_number = 0
        last_at = starts_at
        while len(alive) > 1:
            round_number += 1
            advancing = []
            if len(alive) % 2:
                advancing.append(alive.pop())  # a bye
            losers = []
            for index in range(0, len(alive), 2):
                side_a, side_b = alive[index], alive[index + 1]
                scheduled = starts_at + timedelta(hours=2 * (round_number - 1), minutes=index)
                completed = scheduled + timedelta(minutes=self.rng.randrange(20, 50))
                winner, loser, forfeit, drawn = self.decide(side_a, side_b)
                self.matches.rows.append(
                    (
                        self.ids.take("match"),
                        tournament_id,
                        round_number,
                        side_a[0],
                        side_b[0],
                        Match.State.COMPLETED,
                        None if drawn else winner[0],
                        forfeit,
                        scheduled,
                        completed,
                    )
                )
                for side in (side_a, side_b):
                    if side[2]:
                        continue  # a no-show side produces nothing
                    count = self.participants(side[1], [completed])
                    self.events[E.MATCH_PLAYED] += count
                    outcome = E.MATCH_DRAWN if drawn else (E.MATCH_WON if side is winner else E.MATCH_LOST)
                    self.events[outcome] += count
                last_at = max(last_at, completed)
                advancing.append(winner)
                losers.append(loser[0])
            eliminated_in.append(losers)
            alive = advancing
        placements = [(1, alive[0][0])]
        place = 2
        for losers in reversed(eliminated_in):
            for registration_id in losers:
                placements.append((place, registration_id))
            place += len(losers)
            if place > 8:
                break
        return placements, last_at

    def decide(self, side_a: Any, side_b: Any) -> tuple[Any, Any, bool, bool]:
        """(winner, loser, is_forfeit, drawn); a drawn match still sends one side on (by tiebreak)."""
        if side_a[2] or side_b[2]:
            winner, loser = (side_b, side_a) if side_a[2] else (side_a, side_b)
            return winner, loser, True, False
        skill_a, skill_b = self.skill(side_a[1]), self.skill(side_b[1])
        a_wins = self.rng.random() < skill_a / (skill_a + skill_b)
        winner, loser = (side_a, side_b) if a_wins else (side_b, side_a)
        roll = self.rng.random()
        return winner, loser, roll < 0.03, 0.03 <= roll < 0.04

    # -- coins ----------------------------------------------------------------------------------------------

    def add_transaction(self, user_id: int | None, amount: int, reason: str, reference: str, at: datetime) -> None:
        assert user_id is not None
        assert amount != 0
        self.transactions.rows.append((self.ids.take("transaction"), user_id, amount, reason, reference, at))
        self.events[E.COINS_EARNED if amount > 0 else E.COINS_SPENT] += 1

    def build_transactions(self, *, count: int) -> None:
        picks = self.rng.choices(self.player_ids, cum_weights=self.player_cum_weights, k=count)
        for user_id in picks:
            at = self.moment(self.start, self.until)
            if self.rng.random() < 0.7:
                self.add_transaction(user_id, self.rng.randrange(10, 101), "DAILY_REWARD", "", at)
            else:
                amount = -self.rng.randrange(50, 2001)
                self.add_transaction(user_id, amount, "SHOP_PURCHASE", f"item:{self.rng.randrange(1, 500)}", at)

    def build(self) -> PlatformPlan:
        self.build_players()
        self.build_teams()
        self.build_achievements()
        remaining = self.event_target - sum(self.events.values())
        self.build_tournaments(event_budget=int(remaining * TOURNAMENT_EVENT_SHARE))
        self.build_transactions(count=max(self.event_target - sum(self.events.values()), 0))
        tables = [
            self.users,
            self.profiles,
            self.stats,
            self.teams,
            self.memberships,
            self.achievements,
            self.unlocks,
            self.tournaments,
            self.registrations,
            self.matches,
            self.results,
            self.transactions,
        ]
        return PlatformPlan(tables=tables, expected_events=self.events, user_weights=self.weights)


def platform_plan(*, users: int, events: int, seed: int, until: datetime) -> PlatformPlan:
    """Every row of a platform of `users` players whose history makes about `events` events."""
    if users < 2 * MIN_ENTRANTS:
        raise PlanError(f"A platform needs at least 16 players (tournaments have 8+ entrants), got {users}.")
    if events < users:
        raise PlanError(f"Ask for at least one event per player ({users}), got {events}.")
    if timezone.is_naive(until):
        raise PlanError("`until` must be timezone-aware.")
    return _PlatformBuilder(users=users, events=events, seed=seed, until=until).build()
