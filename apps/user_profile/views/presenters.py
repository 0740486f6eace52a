"""How an activity event reads on a page: an icon, a tone and a human sentence built from its metadata;
and how a tournament history entry reads: its result in words.

The metadata recorded with each event carries the names a sentence needs (tournament, opponent, team,
achievement, amount), so presenting a page of events needs no query beyond the page itself.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma

from apps.economy.models import DeltaCrownTransaction
from apps.tournaments.models import Tournament
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors import TournamentHistoryEntry, TournamentOutcome


@dataclass(frozen=True, slots=True)
class ActivityItem:
    id: int
    event_type: str
    label: str
    icon: str
    tone: str
    sentence: str
    timestamp: datetime


# (icon, tone): symbols from the fonts every system ships (no emoji font needed); the tone picks the
# badge colour in the stylesheet.
ICONS: dict[str, tuple[str, str]] = {
    E.TOURNAMENT_REGISTERED: ("✎", "neutral"),
    E.TOURNAMENT_JOINED: ("➜", "neutral"),
    E.TOURNAMENT_COMPLETED: ("⚑", "neutral"),
    E.TOURNAMENT_WON: ("♛", "gold"),
    E.TOURNAMENT_RUNNER_UP: ("②", "silver"),
    E.TOURNAMENT_TOP4: ("◆", "bronze"),
    E.MATCH_PLAYED: ("⚔", "neutral"),
    E.MATCH_WON: ("✓", "good"),
    E.MATCH_LOST: ("✗", "bad"),
    E.MATCH_DRAWN: ("½", "neutral"),
    E.COINS_EARNED: ("⊕", "good"),
    E.COINS_SPENT: ("⊖", "bad"),
    E.ACHIEVEMENT_UNLOCKED: ("★", "gold"),
    E.TEAM_JOINED: ("⚐", "neutral"),
    E.TEAM_LEFT: ("⚐", "muted"),
}
FALLBACK_ICON = ("•", "neutral")


def _in_tournament(data: dict[str, Any]) -> str:
    name = data.get("tournament_name")
    return f" in {name}" if name else ""


def _versus(data: dict[str, Any], word: str) -> str:
    opponent = data.get("opponent")
    return f" {word} {opponent}" if opponent else ""


def _forfeit(data: dict[str, Any]) -> str:
    return " by forfeit" if data.get("is_forfeit") else ""


def _coins(data: dict[str, Any], verb: str) -> str:
    sentence = f"{verb} {intcomma(data.get('amount', 0))} DC"
    reason = data.get("reason")
    if reason in DeltaCrownTransaction.Reason.values:
        sentence += f" · {DeltaCrownTransaction.Reason(reason).label}"
    return sentence


def _placement(data: dict[str, Any]) -> str:
    placement = data.get("placement")
    place = f"#{placement}" if placement else "top 4"
    return f"Finished {place}{_in_tournament(data)}"


def _named(verb: str, key: str, fallback: str) -> Callable[[dict[str, Any]], str]:
    return lambda data: f"{verb} {data.get(key) or fallback}"


SENTENCES: dict[str, Callable[[dict[str, Any]], str]] = {
    E.TOURNAMENT_REGISTERED: _named("Registered for", "tournament_name", "a tournament"),
    E.TOURNAMENT_JOINED: _named("Checked in to", "tournament_name", "a tournament"),
    E.TOURNAMENT_COMPLETED: _named("Completed", "tournament_name", "a tournament"),
    E.TOURNAMENT_WON: _named("Won", "tournament_name", "a tournament"),
    E.TOURNAMENT_RUNNER_UP: lambda d: f"Runner-up{_in_tournament(d)}",
    E.TOURNAMENT_TOP4: _placement,
    E.MATCH_PLAYED: lambda d: f"Played a match{_versus(d, 'against')}{_in_tournament(d)}",
    E.MATCH_WON: lambda d: f"Won a match{_versus(d, 'against')}{_forfeit(d)}{_in_tournament(d)}",
    E.MATCH_LOST: lambda d: f"Lost a match{_versus(d, 'to')}{_forfeit(d)}{_in_tournament(d)}",
    E.MATCH_DRAWN: lambda d: f"Drew a match{_versus(d, 'with')}{_in_tournament(d)}",
    E.COINS_EARNED: lambda d: _coins(d, "Earned"),
    E.COINS_SPENT: lambda d: _coins(d, "Spent"),
    E.ACHIEVEMENT_UNLOCKED: _named("Unlocked", "achievement_name", "an achievement"),
    E.TEAM_JOINED: _named("Joined", "team_name", "a team"),
    E.TEAM_LEFT: _named("Left", "team_name", "a team"),
}


def activity_sentence(*, event_type: str, metadata: dict[str, Any]) -> str:
    """'Won Summer Cup', 'Earned 250 DC · Daily reward', 'Lost a match to bob in Neon Masters'."""
    build = SENTENCES.get(event_type)
    if build is None:
        return event_type.replace("_", " ").capitalize()
    return build(metadata or {})


def present_activity(event: UserActivity, *, metadata: dict[str, Any] | None = None) -> ActivityItem:
    """`metadata`: what the viewer may see of the event's (apps.privacy.policy.visible_metadata); all of it
    when not given (the player's own feed)."""
    icon, tone = ICONS.get(event.event_type, FALLBACK_ICON)
    return ActivityItem(
        id=event.pk,
        event_type=event.event_type,
        label=event.get_event_type_display(),
        icon=icon,
        tone=tone,
        sentence=activity_sentence(
            event_type=event.event_type, metadata=event.metadata if metadata is None else metadata
        ),
        timestamp=event.timestamp,
    )


@dataclass(frozen=True, slots=True)
class TournamentRow:
    tournament_id: int
    name: str
    game: str
    starts_at: datetime
    checked_in: bool
    placement: int | None
    result: str
    matches_played: int
    matches_won: int
    matches_lost: int


OUTCOME_LABELS = {
    TournamentOutcome.WON: "Winner",
    TournamentOutcome.RUNNER_UP: "Runner-up",
    TournamentOutcome.TOP4: "Top 4",
}


def tournament_result(entry: TournamentHistoryEntry) -> str:
    """'#1 · Winner', '#5', 'In progress', 'Did not check in': where the player stands in that tournament."""
    outcome = OUTCOME_LABELS.get(entry.result) if entry.result else None
    if entry.placement:
        return f"#{entry.placement} · {outcome}" if outcome else f"#{entry.placement}"
    if outcome:
        return outcome
    status = entry.tournament.status
    if status == Tournament.Status.CANCELLED:
        return "Cancelled"
    if entry.completed or status == Tournament.Status.COMPLETED:
        # Only checked-in players take part, so a finished tournament without a check-in was missed.
        return "Completed" if entry.checked_in else "Did not check in"
    return "In progress" if entry.checked_in else "Registered"


def present_tournament_entry(entry: TournamentHistoryEntry) -> TournamentRow:
    tournament = entry.tournament
    return TournamentRow(
        tournament_id=tournament.pk,
        name=tournament.name,
        game=tournament.game,
        starts_at=tournament.starts_at,
        checked_in=entry.checked_in,
        placement=entry.placement,
        result=tournament_result(entry),
        matches_played=entry.matches_played,
        matches_won=entry.matches_won,
        matches_lost=entry.matches_lost,
    )
