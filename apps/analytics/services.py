"""Season writes."""

from datetime import datetime

from django.core.exceptions import ValidationError

from apps.analytics.models import Season


def season_create(*, name: str, starts_at: datetime, ends_at: datetime, game: str = "") -> Season:
    """A season from `starts_at` (inclusive) to `ends_at` (exclusive), of one game or (blank) of all."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationError("A season's start and end need a time zone.")
    if ends_at <= starts_at:
        raise ValidationError("A season ends after it starts.")
    season = Season(name=name, starts_at=starts_at, ends_at=ends_at, game=game)
    season.full_clean()
    season.save()
    return season
