from collections.abc import Iterator

import pytest

from config.replicas import replica_states_forget
from tests.config.replica import ensure_replica_or_skip, wait_until_replayed


@pytest.fixture(scope="session")
def streaming_replica() -> None:
    """A real streaming replica at REPLICA_PORT; the test skips, saying why, where one cannot be made."""
    ensure_replica_or_skip()


@pytest.fixture
def replicas_on(streaming_replica: None, settings) -> Iterator[None]:
    """Reads may go to the replica (alias replica_1), measured afresh at every read."""
    settings.DATABASE_REPLICAS = ["replica_1"]
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 5
    replica_states_forget()
    wait_until_replayed()  # the test database, made just now on the primary
    yield
    replica_states_forget()
