"""Model instances straight from SQL, for the API's hottest lookups.

Django compiles a queryset to SQL on every evaluation, and for a one-row lookup that compiling costs several
times the query itself (about 0.7 ms of CPU for `select_related` by username, against 0.2 ms to run it). The
statements here are built once per model from its metadata, and rows become ordinary model instances through
`Model.from_db` and the fields' own database converters: nothing about a model is written twice. They run as
prepared statements (`prepared_cursor`), planned once per connection (docs/scale-out.md).
"""

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, TypeVar

import psycopg
from django.contrib.auth.models import User
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model

from apps.privacy.models import PrivacySettings
from apps.user_profile.models import UserActivity, UserProfileStats
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


def model_of(model: type[M], row: Sequence[Any]) -> M:
    """An instance of `model` from a row holding its columns (`model_columns`), as the ORM would build it."""
    names, _, converting = _columns(model)
    values = list(row)
    for position, field, converters in converting:
        for convert in converters:
            values[position] = convert(values[position], field, connection)
    return model.from_db(connection.alias, names, values)


@cache
def model_columns(model: type[Model], *, alias: str) -> str:
    """The model's columns, in the order `models_of` reads them, qualified by `alias` (a statement's own)."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(str(field.column))}" for field in model._meta.concrete_fields)


def column_count(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def models_of(model: type[M], rows: Iterable[Sequence[Any]]) -> list[M]:
    """Instances of `model` from rows holding its `model_columns`."""
    return [model_of(model, row) for row in rows]


@cache
def _by_pk_sql(model: type[Model]) -> str:
    _, columns, _ = _columns(model)
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    return f"SELECT {columns} FROM {table} WHERE {table}.{pk} = ANY(%s)"


def models_by_pk(model: type[M], pks: Iterable[int]) -> dict[int, M]:
    """`model.objects.in_bulk(pks)` without compiling a queryset."""
    with prepared_cursor(read_connection()) as cursor:
        cursor.execute(_by_pk_sql(model), [list(pks)])
        found = [model_of(model, row) for row in cursor.fetchall()]
    return {instance.pk: instance for instance in found}


@cache
def _activities_of_sql() -> str:
    _, columns, _ = _columns(UserActivity)
    quote = connection.ops.quote_name
    table = quote(UserActivity._meta.db_table)
    return f"SELECT {columns} FROM {table} WHERE {table}.{quote('user_id')} = %s AND {table}.{quote('id')} = ANY(%s)"


def activities_of(owner_id: int, pks: Iterable[int]) -> dict[int, UserActivity]:
    """Events of one player by id. The log is partitioned by player: with the player named, the statement
    reads one partition's primary key, where ids alone probe all 16 (models_by_pk)."""
    with prepared_cursor(read_connection()) as cursor:
        cursor.execute(_activities_of_sql(), [owner_id, list(pks)])
        found = [model_of(UserActivity, row) for row in cursor.fetchall()]
    return {instance.pk: instance for instance in found}


# Django turns psycopg's automatic preparation off (prepare_threshold=None), which also refuses explicit
# preparation; a threshold no query reaches keeps everything else unprepared and lets chosen statements opt in
# (these reads, and the record statements: services/prepared.py).
NEVER_AUTOMATICALLY = 2**31 - 1


class _Prepared:
    """A Django cursor wrapper whose statements run prepared: the execute wrappers (the request's tracking and
    cancelling, query counting) and the error translation stay Django's."""

    cursor: Any
    db: BaseDatabaseWrapper

    def _execute(self, sql: str, params: Any, *ignored_wrapper_args: Any) -> Any:
        self.db.validate_no_broken_transaction()
        with self.db.wrap_database_errors:
            return self.cursor.execute(sql, params, prepare=True)


class _PreparedCursorWrapper(_Prepared, CursorWrapper):
    pass


class _PreparedCursorDebugWrapper(_Prepared, CursorDebugWrapper):
    def execute(self, sql: Any, params: Any = None) -> Any:
        # A prepared statement leaves no client-side text to log: the log shows it with its values inlined.
        ops: PostgresOperations = self.db.ops  # type: ignore[assignment]
        with self.debug_sql(ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


def prepared_cursor(db: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor of `db` whose statements are prepared statements of its connection, parameters bound on the
    server: the connection parses and plans a statement once, generically (config/postgres_session.py sets the plan
    mode), then only executes it. For the record statements and the hot reads whose planning costs more than
    their execution, such as a few LIMITed walks over every partition of the activity log, whose plan weighs each
    of the 16 partitions before pruning them at run time.
    """
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = NEVER_AUTOMATICALLY
    db.validate_thread_sharing()
    wrapper = _PreparedCursorDebugWrapper if db.queries_logged else _PreparedCursorWrapper
    return wrapper(psycopg.Cursor(raw), db)


# What a player lookup brings along, as select_related would: the reverse one-to-one rows every read of a player
# needs (the stats, the most asked-for field; the privacy settings, which decide what the rest shows).
PLAYER_RELATED: tuple[tuple[str, type[Model]], ...] = (
    ("stats", UserProfileStats),
    ("privacy_settings", PrivacySettings),
)


@cache
def _players_sql(related: tuple[tuple[str, type[Model]], ...], where: str) -> str:
    quote = connection.ops.quote_name
    users = quote(User._meta.db_table)
    columns = [_columns(User)[1]]
    joins = []
    for _, model in related:
        table = quote(model._meta.db_table)
        columns.append(_columns(model)[1])
        joins.append(f"LEFT JOIN {table} ON {table}.{quote('user_id')} = {users}.{quote('id')}")
    return f"SELECT {', '.join(columns)} FROM {users} {' '.join(joins)} WHERE {users}.{where}"


def _player_sql() -> str:
    return _players_sql(PLAYER_RELATED, f"{connection.ops.quote_name('username')} = %s")


def _player(row: Sequence[Any], related: tuple[tuple[str, type[Model]], ...]) -> User:
    start = len(_columns(User)[0])
    user = model_of(User, row[:start])
    for name, model in related:
        names = _columns(model)[0]
        values = row[start : start + len(names)]
        # The related row's primary key is NULL when the player has no such row yet.
        present = values[names.index(model._meta.pk.attname)] is not None
        user._state.fields_cache[name] = model_of(model, values) if present else None
        start += len(names)
    return user


def player_by_username(username: str) -> User | None:
    """The player called `username` with PLAYER_RELATED loaded (absent rows cached as None, as select_related
    leaves them); None when there is no such player."""
    with prepared_cursor(read_connection()) as cursor:
        cursor.execute(_player_sql(), [username])
        row = cursor.fetchone()
    return None if row is None else _player(row, PLAYER_RELATED)


# What a player fetched by id brings along: the privacy settings, which decide what the rest shows.
PLAYER_BY_PK_RELATED: tuple[tuple[str, type[Model]], ...] = (("privacy_settings", PrivacySettings),)


def players_by_pk(pks: Iterable[int]) -> dict[int, User]:
    """`User.objects.select_related("privacy_settings").in_bulk(pks)` without compiling a queryset."""
    sql = _players_sql(PLAYER_BY_PK_RELATED, f"{connection.ops.quote_name('id')} = ANY(%s)")
    with prepared_cursor(read_connection()) as cursor:
        cursor.execute(sql, [list(pks)])
        found = [_player(row, PLAYER_BY_PK_RELATED) for row in cursor.fetchall()]
    return {user.pk: user for user in found}
