"""Team services: one active membership per player and team; leaving needs a membership."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.teams.models import Team, TeamMembership
from apps.teams.services import team_create, team_member_add, team_member_remove
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)


def test_team_create_validates_and_stores():
    # given
    team_create(name="Vipers", tag="VPR")
    # when / then
    with pytest.raises(ValidationError) as error:
        team_create(name="Vipers")
    assert "name" in error.value.message_dict
    assert list(Team.objects.values_list("name", "tag")) == [("Vipers", "VPR")]


def test_a_player_cannot_join_a_team_twice():
    # given
    player = UserFactory()
    team = team_create(name="Owls")
    team_member_add(team=team, user=player, at=T0)
    # when / then
    with pytest.raises(ValidationError, match="already on Owls"):
        team_member_add(team=team, user=player)
    assert TeamMembership.objects.filter(team=team, user=player).count() == 1


def test_leaving_needs_a_membership_and_a_time_after_joining():
    # given
    player, outsider = UserFactory(), UserFactory()
    team = team_create(name="Hawks")
    team_member_add(team=team, user=player, at=T0)
    # when / then
    with pytest.raises(ValidationError, match="is not on Hawks"):
        team_member_remove(team=team, user=outsider)
    with pytest.raises(ValidationError, match="cannot leave before joining"):
        team_member_remove(team=team, user=player, at=T0 - timedelta(minutes=1))
    left = team_member_remove(team=team, user=player, at=T0 + timedelta(days=2))
    assert TeamMembership.objects.get(pk=left.pk).left_at == T0 + timedelta(days=2)


def test_active_at_covers_joined_up_to_left():
    # given
    player = UserFactory()
    team = team_create(name="Foxes")
    team_member_add(team=team, user=player, at=T0)
    team_member_remove(team=team, user=player, at=T0 + timedelta(hours=2))
    memberships = TeamMembership.objects.filter(team=team)
    # when / then
    assert not memberships.active_at(T0 - timedelta(seconds=1)).exists()
    assert memberships.active_at(T0).exists()
    assert memberships.active_at(T0 + timedelta(hours=1)).exists()
    assert not memberships.active_at(T0 + timedelta(hours=2)).exists()
