"""Changing privacy settings: the service, the GraphQL mutation and the /me/settings/ page."""

import pytest
from django.test import Client

from apps.privacy.models import PrivacySettings
from apps.privacy.policy import DEFAULT_SETTINGS, Settings
from apps.privacy.selectors import privacy_settings_for, privacy_settings_of
from apps.privacy.services import privacy_settings_update
from tests.asgi import AsgiClient
from tests.factories import UserFactory
from tests.schema.conftest import error_messages, graphql

pytestmark = pytest.mark.django_db

UPDATE = """mutation($economy: Boolean, $activity: Boolean) {
  updatePrivacySettings(economyPublic: $economy, activityPublic: $activity) { economyPublic activityPublic } }"""


def test_a_player_without_a_row_has_the_defaults() -> None:
    # given a player who never changed anything
    player = UserFactory()

    # when their settings are read
    settings = privacy_settings_for(user_id=player.pk)

    # then economy is private and activity public, without a row being written
    assert settings == DEFAULT_SETTINGS == Settings(economy_public=False, activity_public=True)
    assert not PrivacySettings.objects.filter(user=player).exists()


def test_update_creates_the_row_and_leaves_unset_settings_as_they_are() -> None:
    # given a player
    player = UserFactory()

    # when economy is made public, then activity private (economy left as is)
    first = privacy_settings_update(user=player, economy_public=True, activity_public=None)
    second = privacy_settings_update(user=player, economy_public=None, activity_public=False)

    # then one row holds both changes
    assert first == Settings(economy_public=True, activity_public=True)
    assert second == Settings(economy_public=True, activity_public=False)
    assert PrivacySettings.objects.filter(user=player).count() == 1
    assert privacy_settings_of(user_ids=[player.pk]) == {player.pk: second}


def test_the_mutation_changes_the_viewers_own_settings(client: Client) -> None:
    # given a signed-in player
    player = UserFactory()
    client.force_login(player)

    # when they make their economy public
    body = graphql(client, UPDATE, {"economy": True})
    read = graphql(client, "{ me { privacySettings { economyPublic activityPublic } } }")

    # then it is saved and read back
    assert body["data"] == {"updatePrivacySettings": {"economyPublic": True, "activityPublic": True}}
    assert read["data"] == {"me": {"privacySettings": {"economyPublic": True, "activityPublic": True}}}
    assert privacy_settings_for(user_id=player.pk) == Settings(economy_public=True, activity_public=True)


def test_the_mutation_needs_a_signed_in_player(client: Client) -> None:
    # given an anonymous client
    # when it tries to change settings
    body = graphql(client, UPDATE, {"economy": True})

    # then it is refused with UNAUTHENTICATED and nothing is written
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert error_messages(body) == ["Sign in to change your privacy settings."]
    assert not PrivacySettings.objects.exists()


def test_the_mutation_needs_the_csrf_header_with_a_session() -> None:
    # given a signed-in player in a browser-like client
    client = Client(enforce_csrf_checks=True)
    player = UserFactory()
    client.force_login(player)

    # when the mutation is posted without, then with, the CSRF token
    without = AsgiClient(client).post("/graphql/", {"query": UPDATE, "variables": {"economy": True}})
    token = "b" * 32
    client.cookies["csrftoken"] = token
    with_token = AsgiClient(client).post(
        "/graphql/", {"query": UPDATE, "variables": {"activity": False}}, HTTP_X_CSRFTOKEN=token
    )

    # then only the second runs
    assert without.status_code == 403
    assert with_token.status_code == 200
    assert privacy_settings_for(user_id=player.pk) == Settings(economy_public=False, activity_public=False)


def test_staff_cannot_change_another_players_settings_through_the_api(client: Client) -> None:
    # given staff (the mutation has no user argument: it always acts on the viewer)
    staff, player = UserFactory(is_staff=True), UserFactory()
    client.force_login(staff)

    # when staff make "their" economy public
    graphql(client, UPDATE, {"economy": True})

    # then only staff's own row changed
    assert privacy_settings_for(user_id=player.pk) == DEFAULT_SETTINGS
    assert privacy_settings_for(user_id=staff.pk).economy_public is True


def test_settings_page_needs_login(client: Client) -> None:
    response = client.get("/me/settings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_settings_page_shows_and_saves_the_form() -> None:
    # given a signed-in player in a browser-like client
    client = Client(enforce_csrf_checks=True)
    player = UserFactory()
    client.force_login(player)

    # when the form is read, posted without the token, then posted with it (economy ticked, activity not)
    page = client.get("/me/settings/")
    token = page.context["csrf_token"]
    without = client.post("/me/settings/", {"economy_public": "on"})
    saved = client.post("/me/settings/", {"economy_public": "on", "csrfmiddlewaretoken": str(token)})
    after = client.get(saved["Location"])

    # then the form shows the defaults, refuses the post without a token, saves the other, and says so
    assert page.status_code == 200
    assert 'name="activity_public" checked' in page.content.decode()
    assert 'name="economy_public" checked' not in page.content.decode()
    assert without.status_code == 403
    assert saved.status_code == 302
    assert privacy_settings_for(user_id=player.pk) == Settings(economy_public=True, activity_public=False)
    assert "Your privacy settings are saved." in after.content.decode()
