"""The domain admins: writes go through the services (so events are recorded) and settled history is read-only."""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from apps.api_tokens.models import ApiToken
from apps.api_tokens.services import api_token_create
from apps.teams.models import TeamMembership
from apps.tournaments import services as tournaments
from apps.tournaments.models import Registration, Tournament
from apps.user_profile.models import Achievement, ActivityEventType, UserActivity, UserProfileStats
from tests.factories import UserFactory, enter, finish, make_team, make_tournament

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pass12345"))
    return client


def run_action(client: Client, model: str, action: str, pks: list[int]):
    return client.post(reverse(f"admin:{model}_changelist"), {"action": action, "_selected_action": pks}, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_registration_actions_confirm_check_in_and_mark_no_show_through_the_services(admin_client):
    # given
    tournament = make_tournament()
    alice, bob = UserFactory(), UserFactory()
    ra = tournaments.registration_create(tournament=tournament, user=alice)
    rb = enter(tournament, bob, check_in=False)
    # when
    confirmed = run_action(admin_client, "tournaments_registration", "confirm_registrations", [ra.pk])
    checked_in = run_action(admin_client, "tournaments_registration", "check_in_registrations", [ra.pk])
    no_show = run_action(admin_client, "tournaments_registration", "mark_no_show", [rb.pk])
    # then
    assert "1 registrations confirmed." in messages_of(confirmed)
    assert "1 registrations checked in." in messages_of(checked_in)
    assert "1 registrations marked as no-show." in messages_of(no_show)
    assert Registration.objects.get(pk=rb.pk).status == Registration.Status.NO_SHOW
    stats = UserProfileStats.objects.get(user=alice)
    assert (stats.tournaments_registered, stats.tournaments_played) == (1, 1)


def test_registration_action_reports_why_a_row_was_refused(admin_client):
    # given a pending registration, which cannot check in
    registration = tournaments.registration_create(tournament=make_tournament(), user=UserFactory())
    # when
    response = run_action(admin_client, "tournaments_registration", "check_in_registrations", [registration.pk])
    # then
    assert any("Only a confirmed registration can check in." in m for m in messages_of(response))
    assert not Registration.objects.get(pk=registration.pk).checked_in


def test_start_action_moves_tournaments_in_progress(admin_client):
    # given
    tournament = make_tournament()
    # when
    response = run_action(admin_client, "tournaments_tournament", "start_tournaments", [tournament.pk])
    # then
    assert "1 tournaments started." in messages_of(response)
    assert Tournament.objects.get(pk=tournament.pk).status == Tournament.Status.IN_PROGRESS


def test_completed_tournament_and_its_results_are_read_only(admin_client):
    # given
    alice, bob = UserFactory(), UserFactory()
    tournament = make_tournament()
    ra, rb = enter(tournament, alice), enter(tournament, bob)
    finish(tournament, [ra, rb])
    result = tournament.results.get(placement=1)
    # when
    tournament_page = admin_client.get(reverse("admin:tournaments_tournament_change", args=[tournament.pk]))
    result_page = admin_client.get(reverse("admin:tournaments_tournamentresult_change", args=[result.pk]))
    delete = admin_client.post(reverse("admin:tournaments_tournament_delete", args=[tournament.pk]), {"post": "yes"})
    # then
    assert set(tournament_page.context["adminform"].form.fields) == set()
    assert set(result_page.context["adminform"].form.fields) == set()
    assert delete.status_code == 403
    assert Tournament.objects.filter(pk=tournament.pk).exists()


def test_open_tournament_match_and_result_stay_editable(admin_client):
    # given
    alice, bob = UserFactory(), UserFactory()
    tournament = make_tournament()
    ra, rb = enter(tournament, alice), enter(tournament, bob)
    match = tournaments.match_create(tournament=tournament, side_a=ra, side_b=rb)
    result = tournaments.tournament_result_record(tournament=tournament, registration=ra, placement=1)
    # when
    pages = {
        name: admin_client.get(reverse(f"admin:tournaments_{name}_change", args=[pk]))
        for name, pk in [("tournament", tournament.pk), ("match", match.pk), ("tournamentresult", result.pk)]
    }
    # then
    assert "name" in pages["tournament"].context["adminform"].form.fields
    assert "status" not in pages["tournament"].context["adminform"].form.fields
    assert {"winner", "state"} <= set(pages["match"].context["adminform"].form.fields)
    assert "placement" in pages["tournamentresult"].context["adminform"].form.fields
    assert all(page.context["has_delete_permission"] for page in pages.values())


def scheduled_match(*players):
    tournament = make_tournament()
    ra, rb = (enter(tournament, player) for player in players)
    return tournaments.match_create(tournament=tournament, side_a=ra, side_b=rb)


def post_match_form(client: Client, match, **fields):
    """Submit the match's admin change form: its current tournament, round and sides, plus `fields`."""
    form = {"tournament": match.tournament_id, "round": 1, "side_a": match.side_a_id, "side_b": match.side_b_id}
    return client.post(reverse("admin:tournaments_match_change", args=[match.pk]), {**form, **fields})


def test_completing_a_match_in_the_admin_records_its_events(admin_client):
    # given
    alice, bob = UserFactory(), UserFactory()
    match = scheduled_match(alice, bob)
    # when
    response = post_match_form(
        admin_client,
        match,
        state="COMPLETED",
        winner=match.side_a_id,
        completed_at_0="2026-03-01",
        completed_at_1="12:00:00",
    )
    # then
    assert response.status_code == 302
    assert UserProfileStats.objects.get(user=alice).matches_won == 1
    assert UserProfileStats.objects.get(user=bob).matches_lost == 1


def test_completed_match_without_time_is_refused_by_the_form(admin_client):
    # given
    match = scheduled_match(UserFactory(), UserFactory())
    # when
    response = post_match_form(admin_client, match, state="COMPLETED")
    # then
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not UserActivity.objects.filter(event_type=ActivityEventType.MATCH_PLAYED).exists()


def test_forfeit_without_a_winner_is_refused_by_the_form(admin_client):
    # given
    match = scheduled_match(UserFactory(), UserFactory())
    # when
    response = post_match_form(
        admin_client, match, state="COMPLETED", is_forfeit="on", completed_at_0="2026-11-01", completed_at_1="12:00:00"
    )
    # then
    assert response.status_code == 200
    assert "A forfeit needs a winner" in str(response.context["adminform"].form.errors)
    assert not UserActivity.objects.filter(event_type=ActivityEventType.MATCH_PLAYED).exists()


def test_closing_a_membership_in_the_admin_records_team_left(admin_client):
    # given
    [player] = UserFactory.create_batch(1)
    team = make_team(members=[player])
    membership = TeamMembership.objects.get(team=team, user=player)
    # when
    open_page = admin_client.get(reverse("admin:teams_teammembership_change", args=[membership.pk]))
    response = admin_client.post(
        reverse("admin:teams_teammembership_change", args=[membership.pk]),
        {"left_at_0": "2099-01-01", "left_at_1": "10:00:00"},
    )
    closed_page = admin_client.get(reverse("admin:teams_teammembership_change", args=[membership.pk]))
    team_page = admin_client.get(reverse("admin:teams_team_change", args=[team.pk]))
    # then
    assert set(open_page.context["adminform"].form.fields) == {"left_at"}
    assert response.status_code == 302
    assert UserProfileStats.objects.get(user=player).teams_left == 1
    assert set(closed_page.context["adminform"].form.fields) == set()
    assert team_page.status_code == 200


def test_team_list_shows_active_members(admin_client):
    # given
    make_team(members=UserFactory.create_batch(3), name="Night Owls")
    # when
    response = admin_client.get(reverse("admin:teams_team_changelist"))
    # then
    [team] = response.context["cl"].result_list
    assert team.member_count == 3


def test_unlocking_an_achievement_in_the_admin_records_its_event(admin_client):
    # given
    player = UserFactory()
    achievement = Achievement.objects.create(code="first-blood", name="First Blood")
    # when
    response = admin_client.post(
        reverse("admin:user_profile_userachievement_add"),
        {"user": player.pk, "achievement": achievement.pk, "unlocked_at_0": "2026-02-01", "unlocked_at_1": "09:00:00"},
    )
    # then
    assert response.status_code == 302
    assert UserActivity.objects.get(user=player).event_type == ActivityEventType.ACHIEVEMENT_UNLOCKED
    assert UserProfileStats.objects.get(user=player).achievements_unlocked == 1


def test_recompute_action_is_offered_only_to_staff_who_may_change_stats(client: Client):
    # given staff who may only view stats
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_userprofilestats"))
    client.force_login(viewer)
    # when
    response = client.get(reverse("admin:user_profile_userprofilestats_changelist"))
    # then
    assert response.status_code == 200
    assert "recompute_from_events" not in response.content.decode()


def test_membership_added_in_the_admin_records_team_joined(admin_client):
    # given
    player = UserFactory()
    team = make_team(members=[])
    # when
    page = admin_client.get(reverse("admin:teams_teammembership_add"))
    response = admin_client.post(
        reverse("admin:teams_teammembership_add"),
        {"team": team.pk, "user": player.pk, "joined_at_0": "2026-01-05", "joined_at_1": "08:00:00"},
    )
    # then
    assert {"team", "user", "joined_at", "left_at"} <= set(page.context["adminform"].form.fields)
    assert response.status_code == 302
    assert UserProfileStats.objects.get(user=player).teams_joined == 1


def test_api_token_can_be_renamed_in_the_admin_without_changing_its_secret(admin_client):
    # given
    player = UserFactory()
    token, _ = api_token_create(user=player, name="Phone")
    # when
    response = admin_client.post(
        reverse("admin:api_tokens_apitoken_change", args=[token.pk]), {"user": player.pk, "name": "Old phone"}
    )
    # then
    assert response.status_code == 302
    renamed = ApiToken.objects.get(pk=token.pk)
    assert (renamed.name, renamed.digest) == ("Old phone", token.digest)
