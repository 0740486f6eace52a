from typing import Any

from django.core.management.base import BaseCommand

from apps.demo.services import ADMIN_USERNAME, DEMO_PASSWORD, FEATURED_PLAYER, demo_platform_seed


class Command(BaseCommand):
    help = "Load the demo platform (players, teams, tournaments, matches, coins) through the real services."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=7, help="Random seed (default 7).")

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        summary = demo_platform_seed(seed=seed)
        state = "Loaded" if summary.created else "Already loaded"
        self.stdout.write(
            f"{state}: {summary.users} users, {summary.tournaments} tournaments. "
            f"Log in as {FEATURED_PLAYER} or {ADMIN_USERNAME} (staff), password {DEMO_PASSWORD!r}."
        )
