"""Player analytics in the API: segmented stats, breakdowns, ranks, seasons and segment leaderboards."""
