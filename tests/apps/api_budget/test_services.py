from datetime import UTC, datetime

import pytest

from apps.api_budget.services import Budget, budget_charge, budget_peek, viewer_key

pytestmark = pytest.mark.usefixtures("key_prefix")

PLAYER = "user:41"
ANONYMOUS = "anon:203.0.113.9"


@pytest.fixture(autouse=True)
def _budgets(settings):
    settings.API_BUDGET_POINTS = 100
    settings.API_BUDGET_ANONYMOUS_POINTS = 10
    settings.API_BUDGET_WINDOW_SECONDS = 3600


def test_a_charge_spends_its_cost_and_reports_the_rest(clock):
    # when
    first = budget_charge(viewer_key=PLAYER, cost=30)
    second = budget_charge(viewer_key=PLAYER, cost=25)
    # then
    assert (first.limit, first.cost, first.used, first.remaining, first.exceeded) == (100, 30, 30, 70, False)
    assert (second.limit, second.cost, second.used, second.remaining, second.exceeded) == (100, 25, 55, 45, False)
    assert second.reset_at == first.reset_at
    assert second.reset_at.tzinfo == UTC
    assert 0 < second.reset_at.timestamp() - clock[0] <= 3600


def test_the_last_points_can_be_spent_exactly(clock):
    # when
    budget = budget_charge(viewer_key=PLAYER, cost=100)
    # then
    assert (budget.used, budget.remaining, budget.exceeded) == (100, 0, False)


def test_a_peek_charges_nothing(clock):
    # given
    budget_charge(viewer_key=PLAYER, cost=7)
    # when
    peek = budget_peek(viewer_key=PLAYER)
    again = budget_charge(viewer_key=PLAYER, cost=0)
    # then
    assert (peek.limit, peek.cost, peek.used, peek.remaining, peek.exceeded) == (100, 0, 7, 93, False)
    assert (again.cost, again.used) == (0, 7)


def test_a_fresh_viewer_has_the_whole_budget(clock):
    # when
    peek = budget_peek(viewer_key="user:999")
    # then
    assert (peek.used, peek.remaining) == (0, 100)


def test_a_refused_request_spends_nothing_and_a_cheaper_one_still_fits(clock):
    # given
    budget_charge(viewer_key=PLAYER, cost=90)
    # when
    refused = budget_charge(viewer_key=PLAYER, cost=20)
    fits = budget_charge(viewer_key=PLAYER, cost=10)
    # then
    assert refused.exceeded
    assert (refused.cost, refused.used, refused.remaining) == (20, 90, 10)
    assert refused.retry_after_seconds == int(refused.reset_at.timestamp() - clock[0])
    assert not fits.exceeded
    assert (fits.used, fits.remaining) == (100, 0)
    assert budget_peek(viewer_key=PLAYER).used == 100


def test_a_cost_above_the_whole_limit_is_always_refused(clock):
    # when
    budget = budget_charge(viewer_key=PLAYER, cost=101)
    # then
    assert budget.exceeded
    assert (budget.used, budget.remaining) == (0, 100)


def test_a_negative_cost_is_an_error():
    with pytest.raises(ValueError, match="never negative"):
        budget_charge(viewer_key=PLAYER, cost=-1)


def test_the_budget_is_full_again_when_the_window_resets(clock):
    # given: the budget spent
    spent = budget_charge(viewer_key=PLAYER, cost=100)
    assert budget_charge(viewer_key=PLAYER, cost=1).exceeded
    # when: one second before the reset, then at the reset
    clock[0] = spent.reset_at.timestamp() - 1
    still_spent = budget_charge(viewer_key=PLAYER, cost=1)
    clock[0] = spent.reset_at.timestamp()
    after = budget_charge(viewer_key=PLAYER, cost=1)
    # then
    assert still_spent.exceeded
    assert still_spent.retry_after_seconds == 1
    assert not after.exceeded
    assert (after.used, after.remaining) == (1, 99)
    assert after.reset_at.timestamp() == spent.reset_at.timestamp() + 3600


def test_windows_of_different_viewers_reset_at_different_times(clock):
    # when
    resets = {budget_peek(viewer_key=f"user:{n}").reset_at for n in range(20)}
    # then: each window is an hour long and ends within the next hour, but not all on the same second
    assert len(resets) > 1
    assert all(0 < reset.timestamp() - clock[0] <= 3600 for reset in resets)


def test_anonymous_clients_have_the_smaller_budget(clock):
    # when
    anonymous = budget_charge(viewer_key=ANONYMOUS, cost=10)
    refused = budget_charge(viewer_key=ANONYMOUS, cost=1)
    player = budget_charge(viewer_key=PLAYER, cost=10)
    # then
    assert (anonymous.limit, anonymous.remaining, anonymous.exceeded) == (10, 0, False)
    assert refused.exceeded
    assert (player.limit, player.remaining, player.exceeded) == (100, 90, False)


def test_viewers_have_separate_budgets(clock):
    # given
    budget_charge(viewer_key="user:1", cost=100)
    # when
    other = budget_charge(viewer_key="user:2", cost=5)
    # then
    assert (other.used, other.exceeded) == (5, False)


def test_retry_after_rounds_up_to_whole_seconds_and_is_at_least_one(clock):
    # given
    soon = Budget(limit=1, cost=2, used=0, remaining=1, reset_at=datetime.fromtimestamp(clock[0] + 2.3, tz=UTC))
    past = Budget(limit=1, cost=2, used=0, remaining=1, reset_at=datetime.fromtimestamp(clock[0] - 5, tz=UTC))
    # then
    assert soon.retry_after_seconds == 3
    assert past.retry_after_seconds == 1
    assert not soon.exceeded


@pytest.mark.parametrize(
    ("user_id", "address", "expected"),
    [
        (7, "203.0.113.9", "user:7"),
        (7, "", "user:7"),
        (None, "203.0.113.9", "anon:203.0.113.9"),
        (None, "::ffff:203.0.113.9", "anon:203.0.113.9"),
        (None, "2001:db8:1:2:3:4:5:6", "anon:2001:db8:1:2::/64"),
        (None, "2001:db8:1:2:ffff:ffff:ffff:ffff", "anon:2001:db8:1:2::/64"),
        (None, "2001:db8:1:3::1", "anon:2001:db8:1:3::/64"),
        (None, "::1", "anon:::/64"),
        (None, "", "anon:unknown"),
        (None, "not-an-address", "anon:unknown"),
    ],
)
def test_viewer_key(user_id, address, expected):
    assert viewer_key(user_id=user_id, client_address=address) == expected


def test_rotating_ipv6_addresses_within_a_64_share_one_budget(clock):
    # given
    first = viewer_key(user_id=None, client_address="2001:db8:0:1::a")
    budget_charge(viewer_key=first, cost=10)
    # when
    rotated = viewer_key(user_id=None, client_address="2001:db8:0:1:dead:beef:0:1")
    budget = budget_charge(viewer_key=rotated, cost=1)
    # then
    assert budget.exceeded
