"""Suite-wide fixtures. The tests run on PostgreSQL; they stop at once with advice when none answers."""

import os

import psycopg
import pytest


def pytest_configure(config: pytest.Config) -> None:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/deltacrown")
    try:
        with psycopg.connect(url, dbname="postgres", connect_timeout=3):
            pass
    except psycopg.Error as error:
        pytest.exit(
            f"The test suite needs PostgreSQL and none answered at {url}: {error}\n"
            "Start the local server (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) "
            "or point DATABASE_URL at one, e.g. DATABASE_URL=postgres://user@host:5432/deltacrown.",
            returncode=3,
        )
