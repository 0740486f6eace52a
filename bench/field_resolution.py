"""CPU per resolved field of a model-backed type: schema.model_types.ColumnField against strawberry-django's
own field class, on the same type (UserProfileStats' columns), 50 rows, a pre-parsed document, no database.

    .venv/bin/python -m bench.field_resolution

docs/api.md quotes its output (the reason model-backed types use ColumnField).
"""

import os
import time

import django


def main(rows: int = 50, rounds: int = 300) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import strawberry
    import strawberry_django
    from graphql import execute, parse
    from strawberry.utils.str_converters import to_camel_case
    from strawberry_django.fields.field import StrawberryDjangoField

    from apps.user_profile.event_types import STORED_FIELDS
    from apps.user_profile.models import UserProfileStats
    from schema.model_types import ColumnField

    data = [UserProfileStats(user_id=i, tournaments_registered=3, matches_won=i) for i in range(rows)]
    columns = " ".join(to_camel_case(name) for name in STORED_FIELDS)
    document = parse(f"query {{ rows {{ {columns} }} }}")
    print(f"load average {os.getloadavg()[0]:.2f}; {rows} rows x {len(STORED_FIELDS)} fields, {rounds} rounds")
    for field_cls in (ColumnField, StrawberryDjangoField):

        @strawberry_django.type(UserProfileStats, fields=list(STORED_FIELDS), field_cls=field_cls, name="Row")
        class Row:
            pass

        @strawberry.type
        class Query:
            @strawberry.field
            def rows(self) -> list[Row]:
                return data  # type: ignore[return-value]

        graphql_schema = strawberry.Schema(query=Query)._schema
        assert not execute(graphql_schema, document).errors  # type: ignore[union-attr]
        started = time.process_time()
        for _ in range(rounds):
            execute(graphql_schema, document)
        per_document = (time.process_time() - started) / rounds
        per_field = per_document / rows / len(STORED_FIELDS)
        print(
            f"{field_cls.__name__:>22}: {per_document * 1e3:6.2f} ms per document, {per_field * 1e6:5.2f} µs per field"
        )


if __name__ == "__main__":
    main()
