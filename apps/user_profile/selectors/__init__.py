"""Read-side queries of the activity log and stats (HackSoft selectors), shared by the API and the pages."""

from apps.user_profile.selectors.activity import (
    MAX_EVENT_TYPES,
    MAX_PAGE_SIZE,
    ActivityPage,
    InvalidPageArgumentsError,
    activity_forward_pages,
    activity_page,
    activity_times_of,
    feed_event_types,
    feed_window,
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
from apps.user_profile.selectors.inputs import (
    InvalidDateTimeError,
    could_be_username,
    database_datetime,
    is_database_text,
)
from apps.user_profile.selectors.leaderboard import (
    LeaderboardEntry,
    LeaderboardMetric,
    LeaderboardPage,
    leaderboard_page,
)

__all__ = [
    "MAX_EVENT_TYPES",
    "MAX_PAGE_SIZE",
    "MAX_RECENT_TRANSACTIONS",
    "ActivityCursor",
    "ActivityPage",
    "EconomySummary",
    "InvalidCursorError",
    "InvalidDateTimeError",
    "InvalidPageArgumentsError",
    "LeaderboardEntry",
    "LeaderboardMetric",
    "LeaderboardPage",
    "TournamentHistoryEntry",
    "TournamentHistoryPage",
    "TournamentOutcome",
    "activity_forward_pages",
    "activity_page",
    "activity_times_of",
    "could_be_username",
    "database_datetime",
    "economy_recent_transactions",
    "economy_recent_transactions_of",
    "economy_summary",
    "feed_event_types",
    "feed_window",
    "is_database_text",
    "leaderboard_page",
    "tournament_history_page",
    "tournament_history_pages",
    "validate_page_size",
]
