"""Each test starts with an empty in-process LRU and an empty APQ store."""

from collections.abc import Iterator

import pytest

from apps.persisted_queries.resolver import APQ_CACHE_ALIAS, lru
from tests.conftest import cache_clear


@pytest.fixture(autouse=True)
def empty_persisted_stores() -> Iterator[None]:
    lru.clear()
    cache_clear(APQ_CACHE_ALIAS)
    yield
    lru.clear()
    cache_clear(APQ_CACHE_ALIAS)
