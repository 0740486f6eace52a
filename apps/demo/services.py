"""A believable demo platform, built through the real services so every event and stat exists."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from apps.analytics.services import season_create
from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create
from apps.teams.models import Team
from apps.teams.services import team_create, team_member_add, team_member_remove
from apps.tournaments import services as tournaments
from apps.tournaments.models import Registration, Tournament
from apps.user_profile.models import Achievement
from apps.user_profile.services.achievements import achievement_unlock

DEMO_PASSWORD = "deltacrown"
ADMIN_USERNAME = "admin"
FEATURED_PLAYER = "alice"

PLAYER_NAMES = [
    "alice", "bob", "carmen", "dmitri", "eun-ji", "farah", "gustavo", "hana", "ivan", "jules", "kofi", "lena",
    "mateo", "nadia", "oskar", "priya", "quinn", "rafael", "sora", "tomas", "uma", "viktor", "wen", "ximena",
    "yusuf", "zoe", "arjun", "bea", "chen", "dario", "elif", "finn",
]  # fmt: skip
TEAM_NAMES = [("Crimson Foxes", "CRF"), ("Night Owls", "NOWL"), ("Iron Tide", "IRT"), ("Solar Flare", "SFL")]
GAMES = ["Valorant", "Counter-Strike 2", "League of Legends", "Rocket League", "Dota 2"]
CUP_NAMES = ["Summer Cup", "Neon Masters", "Winter Clash", "Spring Open", "Midnight Series", "Crown Invitational"]
ACHIEVEMENTS = [
    ("first-blood", "First Blood", "Win your first match."),
    ("champion", "Champion", "Win a tournament."),
    ("regular", "Regular", "Check in to three tournaments."),
]
ENTRY_FEE = 50
PRIZE_SHARES = {1: 0.5, 2: 0.3, 3: 0.1, 4: 0.1}


@dataclass
class DemoSummary:
    created: bool
    users: int
    tournaments: int


def _play_bracket(
    rng: random.Random, tournament: Tournament, entrants: list[Registration], start: datetime
) -> list[Registration]:
    """Single elimination; returns registrations by final placement (1, 2, 3, 4)."""
    alive = list(entrants)
    rng.shuffle(alive)
    semifinal_losers: list[Registration] = []
    runner_up: Registration | None = None
    round_number = 1
    while len(alive) > 1:
        next_round = []
        for a, b in zip(alive[::2], alive[1::2], strict=True):
            at = start + timedelta(hours=round_number, minutes=rng.randint(0, 50))
            match = tournaments.match_create(tournament=tournament, side_a=a, side_b=b, round=round_number)
            if b.status == Registration.Status.NO_SHOW:
                winner, loser, forfeit = a, b, True
            elif a.status == Registration.Status.NO_SHOW:
                winner, loser, forfeit = b, a, True
            else:
                winner, loser = (a, b) if rng.random() < 0.5 else (b, a)
                forfeit = False
            tournaments.match_complete(match=match, winner=winner, is_forfeit=forfeit, at=at)
            next_round.append(winner)
            if len(alive) == 4:
                semifinal_losers.append(loser)
            elif len(alive) == 2:
                runner_up = loser
        alive = next_round
        round_number += 1
    assert runner_up is not None
    return [alive[0], runner_up, *semifinal_losers]


def _run_tournament(
    rng: random.Random,
    *,
    name: str,
    game: str,
    starts_at: datetime,
    participants: Sequence[User | Team],
    no_show: bool,
) -> Tournament:
    is_team = isinstance(participants[0], Team)
    tournament = tournaments.tournament_create(
        name=name,
        game=game,
        starts_at=starts_at,
        format=Tournament.Format.TEAM if is_team else Tournament.Format.SOLO,
        prize_pool=rng.choice([1000, 2000, 2500, 5000]),
    )
    entrants: list[Registration] = []
    for index, participant in enumerate(participants):
        registered_at = starts_at - timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 12))
        if isinstance(participant, Team):
            registration = tournaments.registration_create(
                tournament=tournament, team=participant, registered_at=registered_at
            )
        else:
            registration = tournaments.registration_create(
                tournament=tournament, user=participant, registered_at=registered_at
            )
            transaction_create(
                user=participant,
                amount=-ENTRY_FEE,
                reason=DeltaCrownTransaction.Reason.ENTRY_FEE,
                reference=f"tournament:{tournament.pk}",
                created_at=registered_at,
            )
        registration = tournaments.registration_confirm(registration=registration, at=registered_at)
        if no_show and index == len(participants) - 1:
            registration = tournaments.registration_set_status(
                registration=registration, status=Registration.Status.NO_SHOW
            )
        else:
            registration = tournaments.registration_check_in(
                registration=registration, at=starts_at - timedelta(minutes=rng.randint(10, 55))
            )
        entrants.append(registration)
    tournaments.tournament_start(tournament=tournament)
    placements = _play_bracket(rng, tournament, entrants, starts_at)
    completed_at = starts_at + timedelta(hours=5)
    for placement, registration in enumerate(placements, start=1):
        prize = int(tournament.prize_pool * PRIZE_SHARES[placement])
        tournaments.tournament_result_record(
            tournament=tournament, registration=registration, placement=placement, prize=prize, at=completed_at
        )
        if registration.user is not None and prize:
            transaction_create(
                user=registration.user,
                amount=prize,
                reason=DeltaCrownTransaction.Reason.TOURNAMENT_PRIZE,
                reference=f"tournament:{tournament.pk}",
                created_at=completed_at,
            )
    return tournaments.tournament_complete(tournament=tournament, at=completed_at)


@transaction.atomic
def demo_platform_seed(*, seed: int = 7) -> DemoSummary:
    """Create the demo platform once; a second call changes nothing."""
    if User.objects.filter(username=FEATURED_PLAYER).exists():
        return DemoSummary(created=False, users=User.objects.count(), tournaments=Tournament.objects.count())
    rng = random.Random(seed)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    User.objects.create_superuser(ADMIN_USERNAME, "admin@deltacrown.example", DEMO_PASSWORD)
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: the demo loads in seconds, not minutes
    players = [
        User.objects.create(
            username=name, email=f"{name}@deltacrown.example", password=password_hash, first_name=name.title()
        )
        for name in PLAYER_NAMES
    ]
    founded = now - timedelta(days=150)
    teams = []
    for index, (team_name, tag) in enumerate(TEAM_NAMES):
        team = team_create(name=team_name, tag=tag, created_at=founded)
        for member in players[index * 4 : index * 4 + 4]:
            team_member_add(team=team, user=member, at=founded + timedelta(days=rng.randint(0, 10)))
        teams.append(team)
    # Roster changes: one player moves from Night Owls to Solar Flare mid-season.
    mover = players[5]
    team_member_remove(team=teams[1], user=mover, at=now - timedelta(days=45))
    team_member_add(team=teams[3], user=mover, at=now - timedelta(days=44))

    for day in range(90, 0, -1):
        for player in rng.sample(players, 4):
            transaction_create(
                user=player,
                amount=rng.choice([10, 20, 25]),
                reason=DeltaCrownTransaction.Reason.DAILY_REWARD,
                created_at=now - timedelta(days=day, hours=rng.randint(0, 20)),
            )

    created: list[Tournament] = []
    for index in range(9):
        starts_at = now - timedelta(days=84 - index * 9, hours=rng.randint(0, 6))
        name = f"{CUP_NAMES[index % len(CUP_NAMES)]} {2026 if index < 6 else 'Teams'} #{index + 1}"
        if index % 3 == 2:
            created.append(
                _run_tournament(
                    rng, name=name, game=rng.choice(GAMES), starts_at=starts_at, participants=teams, no_show=False
                )
            )
        else:
            field = [players[0], *rng.sample(players[1:], 7)]
            created.append(
                _run_tournament(
                    rng, name=name, game=rng.choice(GAMES), starts_at=starts_at, participants=field, no_show=index == 4
                )
            )

    # A drawn show match and an upcoming tournament with open registration.
    exhibition = tournaments.tournament_create(name="Crown Showmatch", game="Rocket League", starts_at=now)
    sides = [tournaments.registration_create(tournament=exhibition, user=p, registered_at=now) for p in players[:2]]
    sides = [tournaments.registration_confirm(registration=r, at=now - timedelta(hours=2)) for r in sides]
    sides = [tournaments.registration_check_in(registration=r, at=now - timedelta(hours=1)) for r in sides]
    showmatch = tournaments.match_create(tournament=exhibition, side_a=sides[0], side_b=sides[1])
    tournaments.match_complete(match=showmatch, winner=None, at=now - timedelta(minutes=30))
    upcoming = tournaments.tournament_create(
        name="Crown Invitational 2027", game="Valorant", starts_at=now + timedelta(days=10), prize_pool=10000
    )
    for player in players[:6]:
        registration = tournaments.registration_create(tournament=upcoming, user=player, registered_at=now)
        tournaments.registration_confirm(registration=registration, at=now)

    achievements = {
        code: Achievement.objects.get_or_create(code=code, defaults={"name": name, "description": text})[0]
        for code, name, text in ACHIEVEMENTS
    }
    for player in players:
        stats = player.stats
        stats.refresh_from_db()
        moment = stats.last_activity_at or now
        if stats.matches_won:
            achievement_unlock(user=player, achievement=achievements["first-blood"], unlocked_at=moment)
        if stats.tournaments_won:
            achievement_unlock(user=player, achievement=achievements["champion"], unlocked_at=moment)
        if stats.tournaments_played >= 3:
            achievement_unlock(user=player, achievement=achievements["regular"], unlocked_at=moment)
    # Seasons for the analytics (segmented stats, season boards): two of every game, one of Valorant alone.
    season_create(name="Season 1", starts_at=now - timedelta(days=91), ends_at=now - timedelta(days=45))
    season_create(name="Season 2", starts_at=now - timedelta(days=45), ends_at=now + timedelta(days=46))
    season_create(name="Valorant Masters", starts_at=now - timedelta(days=60), ends_at=now, game="Valorant")
    return DemoSummary(created=True, users=User.objects.count(), tournaments=Tournament.objects.count())
