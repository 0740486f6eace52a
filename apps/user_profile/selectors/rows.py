"""Model instances straight from SQL, for the API's hottest lookups.

Django compiles a queryset to SQL on every evaluation, and for a one-row lookup that compiling costs several
times the query itself (about 0.7 ms of CPU for `select_related` by username, against 0.2 ms to run it). The
statements here are built once per model from its metadata, and rows become ordinary model instances through
`Model.from_db` and the fields' own database converters: nothing about a model is written twice.
"""

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Model

from apps.privacy.models import PrivacySettings
from apps.user_profile.models import UserProfileStats
from config.db_router import read_connection

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


@cache
def _columns(model: type[Model]) -> tuple[list[str], str, list[tuple[int, Any, list[Converter]]]]:
    """Attribute names, the quoted column list, and (position, field, converters) for fields that convert."""
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = [field.attname for field in fields]
    columns = ", ".join(f"{table}.{quote(str(field.column))}" for field in fields)
    converting = [(i, field, field.get_db_converters(connection)) for i, field in enumerate(fields)]
    return names, columns, [(i, field, converters) for i, field, converters in converting if converters]


def _instance(model: type[M], row: Sequence[Any]) -> M:
    names, _, converting = _columns(model)
    values = list(row)
    for position, field, converters in converting:
        for convert in converters:
            values[position] = convert(values[position], field, connection)
    return model.from_db(connection.alias, names, values)


@cache
def _by_pk_sql(model: type[Model]) -> str:
    _, columns, _ = _columns(model)
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    return f"SELECT {columns} FROM {table} WHERE {table}.{pk} = ANY(%s)"


def models_by_pk(model: type[M], pks: Iterable[int]) -> dict[int, M]:
    """`model.objects.in_bulk(pks)` without compiling a queryset."""
    with read_connection().cursor() as cursor:
        cursor.execute(_by_pk_sql(model), [list(pks)])
        found = [_instance(model, row) for row in cursor.fetchall()]
    return {instance.pk: instance for instance in found}


# What a player lookup brings along, as select_related would: the reverse one-to-one rows every read of a player
# needs (the stats, the most asked-for field; the privacy settings, which decide what the rest shows).
PLAYER_RELATED: tuple[tuple[str, type[Model]], ...] = (
    ("stats", UserProfileStats),
    ("privacy_settings", PrivacySettings),
)


@cache
def _player_sql() -> str:
    quote = connection.ops.quote_name
    users = quote(User._meta.db_table)
    columns = [_columns(User)[1]]
    joins = []
    for _, model in PLAYER_RELATED:
        table = quote(model._meta.db_table)
        columns.append(_columns(model)[1])
        joins.append(f"LEFT JOIN {table} ON {table}.{quote('user_id')} = {users}.{quote('id')}")
    return f"SELECT {', '.join(columns)} FROM {users} {' '.join(joins)} WHERE {users}.{quote('username')} = %s"


def player_by_username(username: str) -> User | None:
    """The player called `username` with PLAYER_RELATED loaded (absent rows cached as None, as select_related
    leaves them); None when there is no such player."""
    with read_connection().cursor() as cursor:
        cursor.execute(_player_sql(), [username])
        row = cursor.fetchone()
    if row is None:
        return None
    start = len(_columns(User)[0])
    user = _instance(User, row[:start])
    for name, model in PLAYER_RELATED:
        names = _columns(model)[0]
        values = row[start : start + len(names)]
        # The related row's primary key is NULL when the player has no such row yet.
        present = values[names.index(model._meta.pk.attname)] is not None
        user._state.fields_cache[name] = _instance(model, values) if present else None
        start += len(names)
    return user
