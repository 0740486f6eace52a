"""Model-backed types: fields come from the model, columns resolve as plain attributes."""

from strawberry.types.base import get_object_definition

from apps.user_profile.event_types import COUNTER_FIELDS
from apps.user_profile.models import UserProfileStats
from schema import schema
from schema.model_types import ColumnField
from schema.tournaments.types import Tournament
from schema.users.types import UserStats


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def test_user_stats_publishes_every_stored_counter_of_the_model():
    # given the schema's UserStats
    published = schema._schema.type_map["UserStats"].fields

    # then every counter the model stores is a field, with no list of them in the type
    assert {_camel(name) for name in COUNTER_FIELDS} <= set(published)


def test_a_column_takes_its_description_from_the_models_help_text():
    # given a counter with help_text on the model
    help_text = UserProfileStats._meta.get_field("tournaments_played").help_text

    # then the GraphQL field describes it with that text
    assert schema._schema.type_map["UserStats"].fields["tournamentsPlayed"].description == help_text


def test_columns_resolve_as_plain_attributes_and_resolvers_keep_theirs():
    # given the fields of two model-backed types
    stats = {f.python_name: f for f in get_object_definition(UserStats, strict=True).fields}
    tournament = {f.python_name: f for f in get_object_definition(Tournament, strict=True).fields}

    # then a column is basic (no Info object, no resolver wrapper) and a field with a resolver is not
    assert isinstance(stats["matches_won"], ColumnField)
    assert stats["matches_won"].is_basic_field
    assert stats["total_earned"].is_basic_field
    assert tournament["name"].is_basic_field
    assert not tournament["status"].is_basic_field


def test_a_column_reads_the_attribute_it_stands_for():
    # given a stats row
    row = UserProfileStats(user_id=1, matches_won=7)
    field = next(f for f in get_object_definition(UserStats, strict=True).fields if f.python_name == "matches_won")

    # when the field is resolved without a resolver
    value = field.get_result(row, None, [], {})

    # then it is the row's value
    assert value == 7
