import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.api_tokens.models import ApiToken
from apps.api_tokens.services import api_token_authenticate, api_token_create
from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create
from apps.user_profile.models import ActivityEventType, ReconcileRun, UserActivity, UserProfileStats
from apps.user_profile.services.reconcile import stats_reconcile
from tests.factories import UserFactory, enter, finish, make_team, make_tournament, play

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client: Client) -> Client:
    admin = User.objects.create_superuser("root", "root@example.com", "pass12345")
    client.force_login(admin)
    return client


@pytest.fixture
def played_tournament():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    tournament = make_tournament(name="Summer Cup")
    ra, rb = enter(tournament, alice), enter(tournament, bob)
    play(tournament, ra, rb, winner=ra)
    finish(tournament, [ra, rb])
    return alice, bob, tournament


def test_activity_admin_is_read_only(admin_client_logged_in, played_tournament):
    # given
    alice, _, _ = played_tournament
    event = UserActivity.objects.filter(user=alice).first()
    # when
    add = admin_client_logged_in.get(reverse("admin:user_profile_useractivity_add"))
    change = admin_client_logged_in.post(
        reverse("admin:user_profile_useractivity_change", args=[event.pk]), {"event_type": "match_lost"}
    )
    delete = admin_client_logged_in.post(
        reverse("admin:user_profile_useractivity_delete", args=[event.pk]), {"post": "yes"}
    )
    view = admin_client_logged_in.get(reverse("admin:user_profile_useractivity_change", args=[event.pk]))
    # then
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert view.status_code == 200
    assert b'name="_save"' not in view.content
    assert UserActivity.objects.get(pk=event.pk).event_type == event.event_type


def test_activity_admin_searches_by_player_and_filters_by_type(admin_client_logged_in, played_tournament):
    # given
    alice, bob, _ = played_tournament
    url = reverse("admin:user_profile_useractivity_changelist")
    # when
    by_player = admin_client_logged_in.get(url, {"q": "bob"})
    by_type = admin_client_logged_in.get(url, {"event_type__exact": ActivityEventType.TOURNAMENT_WON})
    # then
    assert by_player.status_code == by_type.status_code == 200
    assert {a.user_id for a in by_player.context["cl"].result_list} == {bob.pk}
    won = list(by_type.context["cl"].result_list)
    assert [(a.user_id, a.event_type) for a in won] == [(alice.pk, ActivityEventType.TOURNAMENT_WON)]


def test_activity_admin_filters_by_date(admin_client_logged_in, played_tournament):
    # given
    url = reverse("admin:user_profile_useractivity_changelist")
    event = UserActivity.objects.order_by("timestamp").first()
    day = event.timestamp
    # when
    response = admin_client_logged_in.get(
        url, {"timestamp__year": day.year, "timestamp__month": day.month, "timestamp__day": day.day}
    )
    # then
    expected = UserActivity.objects.filter(timestamp__date=day.date()).count()
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == expected > 0


def test_stats_admin_shows_derived_rates(admin_client_logged_in, played_tournament):
    # given
    alice, _, _ = played_tournament
    # when
    response = admin_client_logged_in.get(reverse("admin:user_profile_userprofilestats_changelist"))
    # then
    assert response.status_code == 200
    row = next(r for r in response.context["cl"].result_list if r.user_id == alice.pk)
    assert row.win_rate_percent == 100
    assert b"100.0%" in response.content


def test_stats_admin_recompute_action_fixes_drift_for_the_selected_players_only(
    admin_client_logged_in, played_tournament
):
    # given stored stats that disagree with the events
    alice, bob, _ = played_tournament
    UserProfileStats.objects.filter(user__in=[alice, bob]).update(matches_won=0, matches_lost=0)
    url = reverse("admin:user_profile_userprofilestats_changelist")
    # when
    response = admin_client_logged_in.post(
        url, {"action": "recompute_from_events", "_selected_action": [alice.pk]}, follow=True
    )
    # then
    assert response.status_code == 200
    assert "1 had drifted and 1 were recomputed (fields: matches_won)" in response.content.decode()
    assert UserProfileStats.objects.get(user=alice).matches_won == 1
    assert UserProfileStats.objects.get(user=bob).matches_lost == 0
    run = ReconcileRun.objects.get()
    assert (run.scope, run.fix, run.users_checked, run.users_with_drift, run.fixed) == ("users", True, 1, 1, 1)


def test_stats_admin_cannot_edit_stats(admin_client_logged_in, played_tournament):
    # given
    alice, _, _ = played_tournament
    # when
    response = admin_client_logged_in.post(
        reverse("admin:user_profile_userprofilestats_change", args=[alice.pk]), {"matches_won": 99}
    )
    # then
    assert response.status_code == 403
    assert UserProfileStats.objects.get(user=alice).matches_won == 1


def test_transaction_added_in_admin_goes_through_the_service_and_records_its_event(admin_client_logged_in):
    # given
    player = UserFactory()
    # when
    response = admin_client_logged_in.post(
        reverse("admin:economy_deltacrowntransaction_add"),
        {
            "user": player.pk,
            "amount": 250,
            "reason": DeltaCrownTransaction.Reason.DAILY_REWARD,
            "reference": "streak",
            "created_at_0": "2026-01-02",
            "created_at_1": "10:00:00",
        },
    )
    # then
    assert response.status_code == 302
    tx = DeltaCrownTransaction.objects.get(user=player)
    assert tx.amount == 250
    assert UserActivity.objects.get(user=player).event_type == ActivityEventType.COINS_EARNED
    assert UserProfileStats.objects.get(user=player).total_earned == 250


def test_recorded_transaction_cannot_be_changed_or_deleted(admin_client_logged_in):
    # given
    player = UserFactory()
    tx = transaction_create(user=player, amount=-40, reason=DeltaCrownTransaction.Reason.SHOP_PURCHASE)
    # when
    change = admin_client_logged_in.post(
        reverse("admin:economy_deltacrowntransaction_change", args=[tx.pk]), {"amount": 1}
    )
    delete = admin_client_logged_in.post(
        reverse("admin:economy_deltacrowntransaction_delete", args=[tx.pk]), {"post": "yes"}
    )
    # then
    assert change.status_code == 302  # saved nothing: every field is read-only
    assert delete.status_code == 403
    assert DeltaCrownTransaction.objects.get(pk=tx.pk).amount == -40


def test_complete_tournament_action_records_completion_events(admin_client_logged_in):
    # given
    alice, bob = UserFactory(), UserFactory()
    tournament = make_tournament()
    enter(tournament, alice), enter(tournament, bob)
    # when
    response = admin_client_logged_in.post(
        reverse("admin:tournaments_tournament_changelist"),
        {"action": "complete_tournaments", "_selected_action": [tournament.pk]},
        follow=True,
    )
    # then
    assert response.status_code == 200
    assert UserActivity.objects.filter(event_type=ActivityEventType.TOURNAMENT_COMPLETED).count() == 2
    assert UserProfileStats.objects.get(user=alice).tournaments_completed == 1


def test_completed_match_is_read_only(admin_client_logged_in, played_tournament):
    # given
    _, _, tournament = played_tournament
    match = tournament.matches.get()
    # when
    response = admin_client_logged_in.get(reverse("admin:tournaments_match_change", args=[match.pk]))
    # then
    assert response.status_code == 200
    assert set(response.context["adminform"].form.fields) == set()


def _more_history() -> None:
    players = UserFactory.create_batch(4)
    make_team(members=players[:2])
    make_team(members=players[2:])
    tournament = make_tournament()
    registrations = [enter(tournament, player) for player in players]
    play(tournament, registrations[0], registrations[1], winner=registrations[0])
    play(tournament, registrations[2], registrations[3], winner=registrations[3], is_forfeit=True)
    finish(tournament, registrations)
    for player in players:
        transaction_create(user=player, amount=100, reason=DeltaCrownTransaction.Reason.DAILY_REWARD)
        api_token_create(user=player, name="Phone")
    stats_reconcile(user_ids=[player.pk for player in players])


@pytest.mark.parametrize(
    "name",
    [
        "tournaments_tournament",
        "tournaments_registration",
        "tournaments_match",
        "tournaments_tournamentresult",
        "teams_team",
        "teams_teammembership",
        "economy_deltacrowntransaction",
        "user_profile_useractivity",
        "user_profile_userprofilestats",
        "user_profile_userachievement",
        "user_profile_reconcilerun",
        "api_tokens_apitoken",
    ],
)
def test_admin_lists_run_the_same_number_of_queries_for_more_rows(admin_client_logged_in, played_tournament, name):
    # given
    alice, _, _ = played_tournament
    transaction_create(user=alice, amount=100, reason=DeltaCrownTransaction.Reason.DAILY_REWARD)
    api_token_create(user=alice, name="Phone")
    stats_reconcile(user_ids=[alice.pk])
    url = reverse(f"admin:{name}_changelist")
    with CaptureQueriesContext(connection) as few:
        assert admin_client_logged_in.get(url).status_code == 200
    # when
    _more_history()
    with CaptureQueriesContext(connection) as many:
        response = admin_client_logged_in.get(url)
    # then
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_api_token_created_in_admin_is_shown_once_and_can_be_revoked(admin_client_logged_in):
    # given
    player = UserFactory()
    # when
    created = admin_client_logged_in.post(
        reverse("admin:api_tokens_apitoken_add"), {"user": player.pk, "name": "Phone app"}, follow=True
    )
    raw_token = next(str(m) for m in created.context["messages"]).rsplit(" ", 1)[1]
    token = ApiToken.objects.get(user=player)
    revoked = admin_client_logged_in.post(
        reverse("admin:api_tokens_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    # then
    assert created.status_code == revoked.status_code == 200
    assert raw_token.startswith(token.prefix)
    assert token.digest != raw_token
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_api_token_from_admin_authenticates_its_user(admin_client_logged_in):
    # given
    player = UserFactory()
    response = admin_client_logged_in.post(
        reverse("admin:api_tokens_apitoken_add"), {"user": player.pk, "name": "Script"}, follow=True
    )
    raw_token = next(str(m) for m in response.context["messages"]).rsplit(" ", 1)[1]
    # when
    user = api_token_authenticate(raw_token=raw_token)
    # then
    assert user == player
