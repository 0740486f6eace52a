"""Writing a platform plan straight into the domain tables with PostgreSQL COPY.

COPY bypasses the models' save() and post_save signals on purpose: the live integration would record events
row by row, while the generator leaves building the activity log to the product's backfill.
"""

from django.core.management.color import no_style
from django.db import connection, transaction

from apps.benchmarks.services.plan import PlatformPlan


class PlatformNotEmptyError(RuntimeError):
    """The target database already holds platform data."""


def platform_tables_empty() -> bool:
    from django.contrib.auth.models import User

    from apps.tournaments.models import Tournament
    from apps.user_profile.models import UserActivity

    return not (User.objects.exists() or Tournament.objects.exists() or UserActivity.objects.exists())


@transaction.atomic
def platform_write(*, plan: PlatformPlan) -> dict[str, int]:
    """COPY every planned row in; return rows written per table. Needs an empty platform (ids are planned)."""
    if not platform_tables_empty():
        raise PlatformNotEmptyError(
            "generate_platform fills an empty database (it plans every id): create a fresh one, e.g. "
            "`createdb dc_bench && DATABASE_URL=postgres://…/dc_bench ./manage.py migrate`."
        )
    written: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in plan.tables:
            db_table = table.model._meta.db_table
            columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
            with cursor.copy(f"COPY {db_table} ({columns}) FROM STDIN") as copy:
                for row in table.rows:
                    copy.write_row(row)
            written[db_table] = len(table.rows)
        # Ids were planned, so move each sequence past them.
        for sql in connection.ops.sequence_reset_sql(no_style(), [table.model for table in plan.tables]):
            cursor.execute(sql)
    return written
