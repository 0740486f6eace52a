"""The recording statements run prepared: each connection parses and plans each of them once.

Parsing and planning a recording statement (a CTE inserting into the partitioned log, adding to the stats and
numbering the stream) costs several times what running it for one event does. Django binds parameters on the
client, which rules out preparing: they run on the prepared cursor the hot reads use (selectors/rows.py),
inside the caller's transaction.
"""

from typing import Any

from django.db import connection

from apps.user_profile.models.activity import WRITER_SETTING, WRITER_TOKEN
from apps.user_profile.selectors.rows import prepared_cursor

# The log's insert trigger admits only the recording service's transactions (models/activity.py). Transaction-
# local, so it ends with the transaction.
ADMIT_WRITER = f"SELECT set_config('{WRITER_SETTING}', '{WRITER_TOKEN}', true)"


def execute_prepared(sql: str, params: dict[str, Any], *, admit_writer: bool = True) -> list[tuple[Any, ...]]:
    """Run `sql` as a prepared statement of this connection, in the caller's transaction; return its rows.

    `admit_writer`: set the log's writer setting first (a caller that already set it in this transaction, with
    its lock statement, passes False and saves the round trip).
    """
    with prepared_cursor(connection) as cursor:
        if admit_writer:
            cursor.execute(ADMIT_WRITER)
        cursor.execute(sql, params)
        return cursor.fetchall()
