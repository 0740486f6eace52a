"""Server-rendered player pages: a profile with stats and history, a player's whole tournament history, and
the player's own activity feed.

Thin over the read selectors (the same ones the GraphQL API uses); each page runs a fixed number of
queries whatever the amount of history.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.privacy import policy
from apps.privacy.policy import DEFAULT_SETTINGS, Settings, Viewer
from apps.user_profile.models import UserProfileStats
from apps.user_profile.selectors import (
    InvalidCursorError,
    activity_page,
    activity_times_of,
    could_be_username,
    tournament_history_page,
)
from apps.user_profile.selectors.stream import StreamCursor, stream_head
from apps.user_profile.views.heatmap import activity_summary, visitor_time_zone
from apps.user_profile.views.presenters import present_activity, present_tournament_entry

FEED_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 20
PROFILE_RECENT_ACTIVITY = 10
PROFILE_RECENT_TOURNAMENTS = 5
MAX_SHOWN_USERNAME = 150  # a 404 page repeats the name asked for, up to this long


def _player(username: str, *related: str) -> User:
    """The player called `username`, or a 404 page (without a query for a name no player can have)."""
    user = None
    if could_be_username(username):
        user = get_user_model().objects.select_related(*related).filter(username=username).first()
    if user is None:
        # The page repeats the name asked for: shortened, and without the NULs no page should carry.
        shown = username[:MAX_SHOWN_USERNAME].replace("\x00", "") + ("…" if len(username) > MAX_SHOWN_USERNAME else "")
        raise Http404(f"No player is called “{shown}”.")
    return user


def _settings_of(user: User) -> Settings:
    """The player's privacy settings, fetched with the player (select_related "privacy_settings")."""
    row = user._state.fields_cache.get("privacy_settings")  # None: no row, the defaults
    return DEFAULT_SETTINGS if row is None else row.as_policy_settings()


def _last_active(stats: UserProfileStats, *, viewer: Viewer, settings: Settings) -> object:
    """ "Last active" over the events the viewer may see: a private coin line must not move it for others."""
    rule = policy.activity_time_rule(viewer=viewer, owner_id=stats.user_id, settings=settings)
    if rule.hidden:
        return None
    if not rule.excluded_event_types:
        return stats.last_activity_at
    _, last = activity_times_of(owner_ids=[stats.user_id], excluded_event_types=rule.excluded_event_types)[
        stats.user_id
    ]
    return last


@require_GET
def player_profile(request: HttpRequest, username: str) -> HttpResponse:
    user = _player(username, "stats", "profile", "privacy_settings")
    # A missing stats row is never an error: a player with no row has all-zero stats.
    stats = getattr(user, "stats", None) or UserProfileStats(user=user)
    profile = getattr(user, "profile", None)
    viewer = Viewer.of(request.user)
    settings = _settings_of(user)
    is_owner = viewer.id == user.pk
    # The policy decides each section; the page only lays them out.
    can_see_economy = policy.page_visible("profile.economy", viewer=viewer, owner_id=user.pk, settings=settings)
    can_see_activity = policy.page_visible("profile.activity", viewer=viewer, owner_id=user.pk, settings=settings)
    history = recent = summary = None
    time_zone, time_zone_notice = visitor_time_zone(request.GET, request.COOKIES)
    if can_see_activity:
        # The heatmap, streaks and form: days in the visitor's zone, over the events the visitor may see.
        summary = activity_summary(
            owner_id=user.pk,
            time_zone=time_zone,
            hidden_event_types=policy.hidden_event_types(viewer=viewer, owner_id=user.pk, settings=settings),
            coins=can_see_economy,
        )
        history = tournament_history_page(user_id=user.pk, first=PROFILE_RECENT_TOURNAMENTS)
        recent = activity_page(
            owner_id=user.pk,
            viewer_id=viewer.id,
            viewer_is_staff=viewer.is_staff,
            first=PROFILE_RECENT_ACTIVITY,
            settings=settings,
        )
    context = {
        "player": user,
        "display_name": (profile.display_name if profile else "") or user.get_username(),
        "bio": profile.bio if profile else "",
        "stats": stats,
        "is_owner": is_owner,
        "can_see_economy": can_see_economy,
        "can_see_activity": can_see_activity,
        "last_active": _last_active(stats, viewer=viewer, settings=settings),
        "summary": summary,
        "time_zone": time_zone,
        "time_zone_notice": time_zone_notice,
        "history": history.items if history else [],
        # The profile shows the latest few; the link leads to the rest only when there is a rest.
        "has_more_history": history.has_next_page if history else False,
        "activities": [
            present_activity(
                event,
                metadata=policy.visible_metadata(event.metadata, viewer=viewer, owner_id=user.pk, settings=settings),
            )
            for event in (recent.items if recent else [])
        ],
    }
    return render(request, "user_profile/profile.html", context)


@require_GET
def tournament_history(request: HttpRequest, username: str) -> HttpResponse:
    """Every tournament a player entered, newest first, 20 a page with keyset "older" links (public)."""
    user = _player(username, "profile", "privacy_settings")
    profile = getattr(user, "profile", None)
    context: dict[str, object] = {
        "player": user,
        "display_name": (profile.display_name if profile else "") or user.get_username(),
    }
    viewer = Viewer.of(request.user)
    if not policy.page_visible("tournament_history", viewer=viewer, owner_id=user.pk, settings=_settings_of(user)):
        context["error"] = "This player keeps their tournament history private."
        return render(request, "user_profile/tournament_history.html", context, status=403)
    after = request.GET.get("after") or None
    try:
        page = tournament_history_page(user_id=user.pk, first=HISTORY_PAGE_SIZE, after=after)
    except InvalidCursorError:
        context["error"] = "That page link is not valid any more. Start again from the newest tournaments."
        return render(request, "user_profile/tournament_history.html", context, status=400)
    context.update(
        tournaments=[present_tournament_entry(entry) for entry in page.items],
        # The selector pages forward only: "older" continues after the last row, "newest" starts over.
        older_cursor=page.items[-1].cursor if page.items and page.has_next_page else None,
        is_first_page=after is None,
    )
    return render(request, "user_profile/tournament_history.html", context)


@require_GET
@login_required
def my_activity(request: HttpRequest) -> HttpResponse:
    """The signed-in player's events, newest first, 50 a page with keyset "older" / "newer" links."""
    after = request.GET.get("after") or None
    before = request.GET.get("before") or None
    if after and before:
        return _bad_page(request, "Follow one “older” or “newer” link at a time.")
    user_id = request.user.pk
    assert user_id is not None  # login_required
    viewer = Viewer.of(request.user)
    if not policy.page_visible("my_activity", viewer=viewer, owner_id=user_id, settings=DEFAULT_SETTINGS):
        raise Http404  # unreachable for a signed-in player: the page is always their own
    paging_back = before is not None
    try:
        # "newer" pages back with last/before, "older" pages on with first/after (no cursor: the latest).
        page = activity_page(
            owner_id=user_id,
            viewer_id=viewer.id,
            viewer_is_staff=viewer.is_staff,
            first=None if paging_back else FEED_PAGE_SIZE,
            after=after,
            last=FEED_PAGE_SIZE if paging_back else None,
            before=before,
        )
    except InvalidCursorError:
        return _bad_page(request, "That page link is not valid any more. Start again from your latest activity.")
    items = [present_activity(event) for event in page.items]
    context = {
        "activities": items,
        # Newest first: "older" continues after the last item, "newer" goes back before the first one.
        "older_cursor": page.cursor_of(page.items[-1]) if page.items and page.has_next_page else None,
        "newer_cursor": page.cursor_of(page.items[0]) if page.items and page.has_previous_page else None,
        "is_first_page": after is None and before is None,
    }
    if context["is_first_page"]:
        # With JavaScript the latest page follows new events live (static/js/live-activity.js, over SSE) from
        # this point of the player's stream on: nothing recorded after this render is missed.
        context["live_after"] = StreamCursor(user_id=user_id, seq=stream_head(user_id=user_id)).encode()
    return render(request, "user_profile/activity_feed.html", context)


def _bad_page(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "user_profile/activity_feed.html", {"error": message, "activities": []}, status=400)
