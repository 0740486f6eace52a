"""The signed-in player's privacy settings page: a plain form (CSRF-protected by Django's middleware)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.privacy import policy
from apps.privacy.policy import Viewer
from apps.privacy.selectors import privacy_settings_for
from apps.privacy.services import privacy_settings_update


@require_http_methods(["GET", "POST"])
@login_required
def my_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    viewer = Viewer.of(user)
    assert policy.page_visible("my_settings", viewer=viewer, owner_id=viewer.id, settings=policy.DEFAULT_SETTINGS)
    if request.method == "POST":
        # An unticked checkbox is absent from the form: absent means off.
        privacy_settings_update(
            user=user,  # type: ignore[arg-type]
            economy_public=request.POST.get("economy_public") == "on",
            activity_public=request.POST.get("activity_public") == "on",
        )
        return redirect(f"{request.path}?saved=1")  # post/redirect/get: a reload does not post again
    assert user.pk is not None  # login_required
    context = {"settings": privacy_settings_for(user_id=user.pk), "saved": request.GET.get("saved") == "1"}
    return render(request, "privacy/settings.html", context)
