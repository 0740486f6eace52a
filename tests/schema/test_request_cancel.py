"""A departed request's cancel reaches only its own statement, never the next request's on the shared connection."""

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connection

from schema import db
from schema.db import RequestDatabase

pytestmark = pytest.mark.django_db(transaction=True)


def _statement_of(state: RequestDatabase, sql: str) -> Callable[[], Any]:
    def run() -> Any:
        token = db._current.set(state)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()
        finally:
            db._current.reset(token)

    return run


def test_a_late_cancel_does_not_cancel_the_next_requests_statement(monkeypatch) -> None:
    # given a cancel that takes 0.4 s between reading the running statement and reaching PostgreSQL
    real_cancel = psycopg.Connection.cancel_safe

    def slow_cancel(self: psycopg.Connection[Any], *args: Any, **kwargs: Any) -> None:
        time.sleep(0.4)
        real_cancel(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "cancel_safe", slow_cancel)
    first, second = RequestDatabase(), RequestDatabase()
    outcome: dict[str, Any] = {}

    def database_thread() -> None:
        # request one's statement (0.3 s), then at once request two's (0.6 s), on the same connection
        try:
            outcome["first"] = db._on_database_thread(_statement_of(first, "SELECT 1 FROM pg_sleep(0.3)"), (), {})
            outcome["second"] = db._on_database_thread(_statement_of(second, "SELECT 2 FROM pg_sleep(0.6)"), (), {})
        except Exception as error:
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=database_thread)
    thread.start()

    # when request one's client leaves 0.1 s into its statement (the cancel lands after the statement ended)
    time.sleep(0.1)
    first.cancel()
    thread.join(timeout=10)

    # then request two's statement runs to its end
    assert "error" not in outcome, outcome.get("error")
    assert outcome["second"] == (2,)
