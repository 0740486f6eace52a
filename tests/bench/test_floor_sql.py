"""The floors' shared pieces agree with the product: session decoding, cursors and the stats counters."""

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.test import override_settings
from strawberry.utils.str_converters import to_camel_case

from apps.user_profile.event_types import COUNTER_FIELDS
from apps.user_profile.selectors.cursors import ActivityCursor, encode_cursor
from bench import bare, floor_sql

SECRET = "bench-test-secret"
ROOT = Path(__file__).resolve().parents[2]


def test_counter_fields_are_the_stats_models() -> None:
    assert floor_sql.COUNTER_FIELDS == COUNTER_FIELDS


def test_counter_names_are_the_schemas() -> None:
    # The floor spells camelCase itself (the bare floor imports no strawberry): as strawberry does.
    assert [floor_sql._camel(name) for name in COUNTER_FIELDS] == [to_camel_case(name) for name in COUNTER_FIELDS]


def test_bare_floor_imports_no_strawberry() -> None:
    code = "import sys, bench.bare; sys.exit('strawberry' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


def test_tables_are_the_models() -> None:
    assert {label: apps.get_model(label)._meta.db_table for label in floor_sql.TABLES} == floor_sql.TABLES


def test_cursors_are_the_apis() -> None:
    timestamp = datetime(2026, 11, 30, 7, 30, 1, 123456, tzinfo=UTC)
    cursor = ActivityCursor(timestamp=timestamp, id=42).encode()
    assert floor_sql.activity_cursor(timestamp, 42) == cursor
    assert floor_sql.decode_activity_cursor(cursor) == (timestamp, 42)
    assert floor_sql.encode_cursor("leaderboard", ["TOURNAMENTS_WON", 3, 7, 1]) == encode_cursor(
        "leaderboard", ["TOURNAMENTS_WON", 3, 7, 1]
    )
    with pytest.raises(ValueError, match="invalid activity cursor"):
        floor_sql.decode_activity_cursor("not-a-cursor")


@pytest.mark.parametrize("padding", ["", "x" * 500])  # short data is stored plain, long data compressed
def test_session_user_id_reads_what_django_signed(padding: str) -> None:
    with override_settings(SECRET_KEY=SECRET):
        store = SessionStore()
        session_data = store.encode({"_auth_user_id": "42", "padding": padding})
    assert session_data.startswith(".") == bool(padding)
    assert floor_sql.session_user_id(session_data, SECRET) == 42
    assert floor_sql.session_user_id(session_data) == 42
    assert floor_sql.session_user_id(session_data, "another-secret") is None
    assert floor_sql.session_user_id("garbage", SECRET) is None


def test_anonymous_session_has_no_user() -> None:
    with override_settings(SECRET_KEY=SECRET):
        session_data = SessionStore().encode({"other": 1})
    assert floor_sql.session_user_id(session_data, SECRET) is None


def test_bare_app_answers_404_off_its_routes() -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/graphql/", "query_string": b"", "headers": []}
    asyncio.run(bare.app(scope, receive, send))
    assert sent[0]["status"] == 404
