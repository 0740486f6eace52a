"""Reads for player analytics: segmented stats and breakdowns (segments), ranks and segment boards (rank)."""
