from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.demo.services import FEATURED_PLAYER
from apps.user_profile.models import UserProfileStats
from apps.user_profile.services.stats import empty_stats, stats_drift, stats_expected_from_events


class Command(BaseCommand):
    help = "Read the featured demo player's stats and check them against the activity log."

    def handle(self, *args: Any, **options: Any) -> None:
        stats = UserProfileStats.objects.filter(user__username=FEATURED_PLAYER).first()
        if stats is None:
            raise CommandError(f"No stats for {FEATURED_PLAYER!r}: run `manage.py seed_demo` first.")
        expected = stats_expected_from_events(user_ids=[stats.user_id]).get(stats.user_id, empty_stats())
        drift = stats_drift(stats=stats, expected=expected)
        if drift or not stats.matches_played:
            raise CommandError(f"Stats of {FEATURED_PLAYER!r} are wrong: drift={drift}, stats={stats.to_dict()}")
        self.stdout.write(
            f"{FEATURED_PLAYER}: {stats.matches_played} matches ({stats.win_rate_percent}% won), "
            f"{stats.tournaments_won} tournaments won, net {stats.net_earnings} DC — equal to the activity log."
        )
