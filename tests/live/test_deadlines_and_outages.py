"""Deadlines, departed clients and database outages, against a real server process and real PostgreSQL."""

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from apps.user_profile.models import UserProfileStats
from tests.factories import UserFactory
from tests.live.conftest import LiveServer, database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

STATS_QUERY = '{ user(username: "locked") { stats { matchesWon } } }'
STATS_TABLE = UserProfileStats._meta.db_table


@pytest.fixture
def locked_stats() -> Iterator[psycopg.Connection]:
    """Another session holds the stats table: any statement reading it waits, like a slow query."""
    UserFactory(username="locked")
    with psycopg.connect(database_url()) as holder:
        holder.execute(f"LOCK TABLE {STATS_TABLE} IN ACCESS EXCLUSIVE MODE")
        yield holder
        holder.rollback()


def waiting_statements() -> list[str]:
    with psycopg.connect(database_url(), autocommit=True) as probe:
        rows = probe.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchall()
    return [row[0] for row in rows]


def server_connections() -> int:
    with psycopg.connect(database_url(), autocommit=True) as probe:
        row = probe.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'live-server'").fetchone()
    return int(row[0]) if row else 0


def wait_until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_an_operation_past_its_deadline_is_cancelled_with_its_sql(
    live_server_factory: LiveServer, locked_stats
) -> None:
    # given a server with a 1 s deadline, and a query that would wait on the lock for ever
    url = live_server_factory(GRAPHQL_DEADLINE_SECONDS="1")

    # when the query is sent
    started = time.monotonic()
    response = httpx.post(f"{url}/graphql/", json={"query": STATS_QUERY}, timeout=30)
    elapsed = time.monotonic() - started

    # then it ends at the deadline with TIMEOUT, and its statement no longer waits in PostgreSQL
    assert response.status_code == 504
    assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert elapsed < 5
    assert wait_until(lambda: waiting_statements() == [])


def test_a_client_that_leaves_cancels_its_sql(live_server_factory: LiveServer, locked_stats) -> None:
    # given a server with a long deadline, and a request blocked on the lock
    url = live_server_factory(GRAPHQL_DEADLINE_SECONDS="60")
    port = int(url.rsplit(":", 1)[1])
    body = f'{{"query": "{STATS_QUERY.replace(chr(34), chr(92) + chr(34))}"}}'.encode()
    request = (
        f"POST /graphql/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    client = socket.create_connection(("127.0.0.1", port))
    client.sendall(request)
    assert wait_until(lambda: len(waiting_statements()) == 1)

    # when the client disconnects
    client.close()

    # then the server gives its statement up long before any deadline
    assert wait_until(lambda: waiting_statements() == [], seconds=5)


def test_the_first_request_after_the_database_dropped_every_connection_succeeds(
    live_server_factory: LiveServer,
) -> None:
    # given a server whose pooled connections are open (it served requests), then killed server-side,
    # as a PostgreSQL restart does
    UserFactory(username="survivor")
    url = live_server_factory(DATABASE_POOL="1", DATABASE_URL=database_url() + "?application_name=live-server")
    query = {"query": '{ user(username: "survivor") { username } }'}
    for _ in range(3):
        assert httpx.post(f"{url}/graphql/", json=query).status_code == 200
    with psycopg.connect(database_url(), autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'live-server'"
        ).fetchone()
    assert killed is not None
    assert killed[0] >= 1
    # (pg_terminate_backend only signals: wait until they are gone, as they are once a restart is over)
    assert wait_until(lambda: server_connections() == 0)

    # when the next requests arrive
    responses = [httpx.post(f"{url}/graphql/", json=query) for _ in range(3)]

    # then every one succeeds
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[0].json()["data"] == {"user": {"username": "survivor"}}


def test_while_the_database_is_down_requests_get_503_with_retry_after(live_server_factory: LiveServer) -> None:
    # given a server whose database does not answer (nothing listens on its port)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        dead_port = unused.getsockname()[1]
    url = live_server_factory(DATABASE_URL=database_url(port=dead_port), DATABASE_POOL_TIMEOUT="1", wait_ready=False)
    # (a document that needs no database starts it)
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/graphql/", params={"query": "{ __typename }"}, timeout=2)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline
            time.sleep(0.1)

    # when a query needs the database
    response = httpx.post(f"{url}/graphql/", json={"query": '{ user(username: "x") { id } }'}, timeout=30)

    # then the client is told to come back, in JSON with a code
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


def test_requests_keep_being_served_while_one_waits(live_server_factory: LiveServer, locked_stats) -> None:
    # given a request stuck on the lock until its deadline
    url = live_server_factory(GRAPHQL_DEADLINE_SECONDS="3")
    stuck = threading.Thread(target=lambda: httpx.post(f"{url}/graphql/", json={"query": STATS_QUERY}, timeout=30))
    stuck.start()
    assert wait_until(lambda: len(waiting_statements()) == 1)

    # when a query that needs no database arrives meanwhile
    started = time.monotonic()
    quick = httpx.get(f"{url}/graphql/", params={"query": "{ __typename }"}, timeout=30)

    # then it is answered at once
    assert quick.json()["data"] == {"__typename": "Query"}
    assert time.monotonic() - started < 1
    stuck.join()
