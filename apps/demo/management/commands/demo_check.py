from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from apps.demo.services import FEATURED_PLAYER
from apps.user_profile.models import UserProfileStats
from apps.user_profile.services.stats import empty_stats, stats_drift, stats_expected_from_events

# Every read the demo offers, once: the API's lists and the pages, on whatever database the demo runs on.
DEMO_QUERY = """
query DemoCheck($username: String!) {
  user(username: $username) {
    stats { matchesWon winRate tournamentsWon }
    activities(first: 5) { edges { node { eventType tournament { name } match { id } } } }
    tournamentHistory(first: 5) { edges { node { tournament { name } placement result matchesPlayed } } }
  }
  leaderboard(metric: MATCHES_WON, first: 3) { edges { rank node { username stats { matchesWon } } } }
}
"""


class Command(BaseCommand):
    help = "Check the demo: the featured player's stats equal the activity log, and the API and pages answer."

    def handle(self, *args: Any, **options: Any) -> None:
        stats = UserProfileStats.objects.filter(user__username=FEATURED_PLAYER).first()
        if stats is None:
            raise CommandError(f"No stats for {FEATURED_PLAYER!r}: run `manage.py seed_demo` first.")
        expected = stats_expected_from_events(user_ids=[stats.user_id]).get(stats.user_id, empty_stats())
        drift = stats_drift(stats=stats, expected=expected)
        if drift or not stats.matches_played:
            raise CommandError(f"Stats of {FEATURED_PLAYER!r} are wrong: drift={drift}, stats={stats.to_dict()}")
        self._check_reads(stats.matches_won)
        self.stdout.write(
            f"{FEATURED_PLAYER}: {stats.matches_played} matches ({stats.win_rate_percent}% won), "
            f"{stats.tournaments_won} tournaments won, net {stats.net_earnings} DC — equal to the activity log; "
            "the API and the pages answer."
        )

    def _check_reads(self, matches_won: int) -> None:
        from config.asgi_client import AsgiClient  # the whole ASGI application, as a server runs it

        client = AsgiClient()
        response = client.post("/graphql/", {"query": DEMO_QUERY, "variables": {"username": FEATURED_PLAYER}})
        body = response.json()
        user = (body.get("data") or {}).get("user")
        if response.status_code != 200 or body.get("errors") or not user:
            raise CommandError(f"The GraphQL API failed on the demo: {response.status_code} {body}")
        if user["stats"]["matchesWon"] != matches_won or not user["activities"]["edges"]:
            raise CommandError(f"The GraphQL API disagrees with the database: {user}")
        if not user["tournamentHistory"]["edges"]:
            raise CommandError(f"The tournament history of {FEATURED_PLAYER!r} is empty: {user}")
        page = Client().get(f"/players/{FEATURED_PLAYER}/")
        if page.status_code != 200:
            raise CommandError(f"The profile page answered {page.status_code}.")
