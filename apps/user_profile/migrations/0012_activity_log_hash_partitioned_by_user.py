"""The activity log becomes a table hash-partitioned by user id (docs/scale-out.md, runbook in docs/operations.md).

Rebuilt generically from the table as it is, so it keeps every column, default, check, index, constraint and
trigger whatever earlier migrations added: the new table is made LIKE the old one, the rows copied across, the
old one dropped. A player's rows then live in one of PARTITIONS partitions, and a query for one player reads that
partition only. Unique keys must contain the partition key: the idempotency key already does; the primary key
becomes (id, user_id). Row triggers on the parent (append_only) apply to every partition by themselves; statement
triggers (the insert guard, no TRUNCATE) fire only for the table a statement names, so each partition gets them
too, calling the same functions (an ignore by trigger name, pgtrigger.ignore, still works).

Reversible: backwards the same rebuild makes a plain table again, with the primary key (id).

The rebuild holds an exclusive lock on the log while it copies (measured in docs/operations.md); the runbook
there says how to run it on a live system.
"""

from typing import Any

from django.db import migrations

TABLE = "user_profile_useractivity"
OLD = f"{TABLE}_before_rebuild"
PARTITIONS = 16
KEY = "user_id"


def _fetch(cursor: Any, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    cursor.execute(sql, params)
    return list(cursor.fetchall())


def _rebuild(cursor: Any, *, partitioned: bool) -> None:
    cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    # The definitions of what the table has besides columns, checks and defaults (LIKE copies those).
    constraints = _fetch(
        cursor,
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'x') ORDER BY contype, conname",
        [TABLE],
    )
    indexes = _fetch(
        cursor,
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = "
        "i.indexrelid AND k.conrelid = i.indrelid) ORDER BY c.relname",
        [TABLE],
    )
    triggers = _fetch(
        cursor,
        "SELECT tgname, pg_get_triggerdef(oid), (tgtype & 1) = 0 FROM pg_trigger "
        "WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgparentid = 0 ORDER BY tgname",
        [TABLE],
    )
    identity = _fetch(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])[0][0]

    # The old table steps aside with its indexes (their names are the schema's: the new ones take them over).
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    renames = _fetch(
        cursor,
        "SELECT format('ALTER INDEX %%I RENAME TO %%I', c.relname, left(c.relname, 55) || '_old') "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass",
        [OLD],
    )
    for (rename,) in renames:
        cursor.execute(rename)

    suffix = f" PARTITION BY HASH ({KEY})" if partitioned else ""
    cursor.execute(f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING ALL EXCLUDING INDEXES){suffix}")
    partitions = [f"{TABLE}_p{r:02d}" for r in range(PARTITIONS)] if partitioned else []
    for remainder, partition in enumerate(partitions):
        cursor.execute(
            f"CREATE TABLE {partition} PARTITION OF {TABLE} FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {remainder})"
        )
    cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")
    if identity is not None:
        # Numbering goes on where it was (the new table has its own identity sequence).
        new_identity = _fetch(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])[0][0]
        cursor.execute("SELECT setval(%s, GREATEST((SELECT last_value FROM " + identity + "), 1))", [new_identity])

    for name, kind, definition in constraints:
        if kind == "p":
            columns = "id, user_id" if partitioned else "id"
            definition = f"PRIMARY KEY ({columns})"
        elif kind in {"u", "x"} and partitioned and KEY not in definition:
            raise RuntimeError(f"{name} ({definition}) does not include {KEY}: a partitioned table cannot keep it.")
        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
    for _, definition in indexes:
        cursor.execute(definition.replace(" ON ONLY ", " ON "))
    for name, definition, per_statement in triggers:
        cursor.execute(definition)
        if per_statement:
            on = f" ON public.{TABLE} "
            for partition in partitions:
                cursor.execute(definition.replace(on, f" ON public.{partition} "))
    cursor.execute(f"DROP TABLE {OLD}")
    cursor.execute(f"ANALYZE {TABLE}")


def partition(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        _rebuild(cursor, partitioned=True)


def unpartition(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        _rebuild(cursor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("user_profile", "0011_activity_stream")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
