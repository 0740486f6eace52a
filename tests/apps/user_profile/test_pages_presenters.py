import pytest

from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.views.presenters import FALLBACK_ICON, ICONS, SENTENCES, activity_sentence

TOURNAMENT = {"tournament_id": 1, "tournament_name": "Summer Cup"}
MATCH = {**TOURNAMENT, "match_id": 3, "opponent": "bob", "is_forfeit": False}


@pytest.mark.parametrize(
    ("event_type", "metadata", "sentence"),
    [
        (E.TOURNAMENT_REGISTERED, TOURNAMENT, "Registered for Summer Cup"),
        (E.TOURNAMENT_JOINED, TOURNAMENT, "Checked in to Summer Cup"),
        (E.TOURNAMENT_COMPLETED, TOURNAMENT, "Completed Summer Cup"),
        (E.TOURNAMENT_WON, {**TOURNAMENT, "placement": 1}, "Won Summer Cup"),
        (E.TOURNAMENT_RUNNER_UP, {**TOURNAMENT, "placement": 2}, "Runner-up in Summer Cup"),
        (E.TOURNAMENT_TOP4, {**TOURNAMENT, "placement": 3}, "Finished #3 in Summer Cup"),
        (E.MATCH_PLAYED, MATCH, "Played a match against bob in Summer Cup"),
        (E.MATCH_WON, MATCH, "Won a match against bob in Summer Cup"),
        (E.MATCH_LOST, {**MATCH, "is_forfeit": True}, "Lost a match to bob by forfeit in Summer Cup"),
        (E.MATCH_DRAWN, MATCH, "Drew a match with bob in Summer Cup"),
        (E.COINS_EARNED, {"amount": 250}, "Earned 250 DC"),
        (E.COINS_EARNED, {"amount": 1500, "reason": "TOURNAMENT_PRIZE"}, "Earned 1,500 DC · Tournament prize"),
        (E.COINS_SPENT, {"amount": 50, "reason": "ENTRY_FEE"}, "Spent 50 DC · Entry fee"),
        (E.ACHIEVEMENT_UNLOCKED, {"achievement_name": "First Blood"}, "Unlocked First Blood"),
        (E.TEAM_JOINED, {"team_name": "Night Owls"}, "Joined Night Owls"),
        (E.TEAM_LEFT, {"team_name": "Night Owls"}, "Left Night Owls"),
    ],
)
def test_every_event_type_reads_as_a_sentence(event_type, metadata, sentence):
    # when / then
    assert activity_sentence(event_type=event_type, metadata=metadata) == sentence


def test_sentences_survive_missing_metadata():
    # when
    sentences = {event_type: activity_sentence(event_type=event_type, metadata={}) for event_type in E.values}
    # then
    assert sentences[E.TOURNAMENT_WON] == "Won a tournament"
    assert sentences[E.MATCH_LOST] == "Lost a match"
    assert sentences[E.COINS_EARNED] == "Earned 0 DC"
    assert all(sentences.values())


def test_an_unknown_event_type_falls_back_to_its_name():
    # when / then
    assert activity_sentence(event_type="season_started", metadata={}) == "Season started"


def test_every_event_type_has_its_own_icon_and_sentence():
    # then
    assert set(ICONS) == set(SENTENCES) == set(E.values)
    assert FALLBACK_ICON not in ICONS.values()
