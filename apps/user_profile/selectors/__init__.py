"""Read-side queries of the activity log and stats (HackSoft selectors), shared by the API and the pages."""

from apps.user_profile.selectors.activity import (
    MAX_PAGE_SIZE,
    ActivityPage,
    InvalidPageArgumentsError,
    activity_forward_pages,
    activity_page,
    validate_page_size,
)
from apps.user_profile.selectors.cursors import ActivityCursor, InvalidCursorError
from apps.user_profile.selectors.economy import (
    MAX_RECENT_TRANSACTIONS,
    EconomySummary,
    economy_recent_transactions,
    economy_recent_transactions_of,
    economy_summary,
)
from apps.user_profile.selectors.history import (
    TournamentHistoryEntry,
    TournamentHistoryPage,
    TournamentOutcome,
    tournament_history_page,
    tournament_history_pages,
)
from apps.user_profile.selectors.leaderboard import (
    LeaderboardEntry,
    LeaderboardMetric,
    LeaderboardPage,
    leaderboard_page,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "MAX_RECENT_TRANSACTIONS",
    "ActivityCursor",
    "ActivityPage",
    "EconomySummary",
    "InvalidCursorError",
    "InvalidPageArgumentsError",
    "LeaderboardEntry",
    "LeaderboardMetric",
    "LeaderboardPage",
    "TournamentHistoryEntry",
    "TournamentHistoryPage",
    "TournamentOutcome",
    "activity_forward_pages",
    "activity_page",
    "economy_recent_transactions",
    "economy_recent_transactions_of",
    "economy_summary",
    "leaderboard_page",
    "tournament_history_page",
    "tournament_history_pages",
    "validate_page_size",
]
