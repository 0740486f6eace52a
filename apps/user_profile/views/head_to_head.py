"""The head-to-head page between two players: their record and latest meetings (public unless either keeps
their activity private). Thin over the head-to-head selectors; a fixed number of queries per page."""

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.privacy import policy
from apps.privacy.policy import Viewer
from apps.tournaments.models import Match
from apps.user_profile.selectors import InvalidCursorError
from apps.user_profile.selectors.head_to_head import MeetingCursor, head_to_head_history
from apps.user_profile.views.pages import _player, _settings_of

MEETINGS_PAGE_SIZE = 20
OUTCOME_LABELS = {"match_won": "Win", "match_lost": "Loss", "match_drawn": "Draw"}


def _name(user: User) -> str:
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile else "") or user.get_username()


@require_GET
def head_to_head(request: HttpRequest, username: str, opponent: str) -> HttpResponse:
    a = _player(username, "profile", "privacy_settings")
    b = _player(opponent, "profile", "privacy_settings")
    context: dict[str, object] = {"a": a, "b": b, "a_name": _name(a), "b_name": _name(b)}
    template = "user_profile/head_to_head.html"
    if a.pk == b.pk:
        context["error"] = "Head-to-head needs two different players."
        return render(request, template, context, status=400)
    viewer = Viewer.of(request.user)
    if not all(
        policy.page_visible("head_to_head", viewer=viewer, owner_id=p.pk, settings=_settings_of(p)) for p in (a, b)
    ):
        context["error"] = "One of these players keeps their activity private."
        return render(request, template, context, status=403)
    after = request.GET.get("after") or None
    try:
        if after is not None:
            MeetingCursor.decode(after)  # before any query
    except InvalidCursorError:
        context["error"] = "That page link is not valid any more. Start again from the latest meetings."
        return render(request, template, context, status=400)
    history = head_to_head_history(player_a_id=a.pk, player_b_id=b.pk)
    page = history.page(first=MEETINGS_PAGE_SIZE, after=after)
    record = history.record
    matches = Match.objects.select_related("tournament").in_bulk([m.match_id for m in page.items])
    context.update(
        record=record,
        meetings=[
            {
                "outcome": OUTCOME_LABELS[m.outcome],
                "css": m.outcome.removeprefix("match_"),
                "completed_at": m.completed_at,
                "match": matches.get(m.match_id),
            }
            for m in page.items
        ],
        older_cursor=page.items[-1].cursor if page.items and page.has_next_page else None,
        is_first_page=after is None,
    )
    return render(request, template, context)
