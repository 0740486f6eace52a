"""Model-backed GraphQL types: strawberry-django reads the fields from the model, resolution stays plain.

`model_type(Model, …)` is `strawberry_django.type` with one change of field class. strawberry-django marks
every field of its types as "not basic", so even a plain column runs its general resolver (an `Info` object,
queryset and relation checks) on every object: about a microsecond per field and object, which a leaderboard
of 50 players with 25 stats each multiplies. A column here has no resolver, no extension and no relation: it
is resolved as a plain attribute, like a field of a plain strawberry type. Anything else (a resolver, a
relation, an extension) keeps strawberry-django's behaviour.

What the types gain: the columns are not a hand-copied list (`fields=[…]` or `auto` annotations take the
names and types from the model), and a column's description is the model field's `help_text`
(STRAWBERRY_DJANGO["FIELD_DESCRIPTION_FROM_HELP_TEXT"]).
"""

import functools
from typing import Any

import strawberry_django
from strawberry_django.fields.field import StrawberryDjangoField


class ColumnField(StrawberryDjangoField):
    @property
    def is_basic_field(self) -> bool:
        return self.base_resolver is None and not self.extensions and not self.is_relation

    def get_result(self, source: Any, info: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if self.is_basic_field:
            return getattr(source, self.django_name or self.python_name)
        return super().get_result(source, info, args, kwargs)


model_type = functools.partial(strawberry_django.type, field_cls=ColumnField)
# A field declared on a model type (a description, a type override, a model property): the same field class.
column = functools.partial(strawberry_django.field, field_cls=ColumnField)

__all__ = ["ColumnField", "column", "model_type"]
