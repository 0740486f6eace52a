"""Each test starts with an empty in-process LRU and an empty APQ store."""

from collections.abc import Iterator

import pytest
from django.core.cache import caches

from apps.persisted_queries.resolver import APQ_CACHE_ALIAS, lru


@pytest.fixture(autouse=True)
def empty_persisted_stores() -> Iterator[None]:
    lru.clear()
    caches[APQ_CACHE_ALIAS].clear()
    yield
    lru.clear()
    caches[APQ_CACHE_ALIAS].clear()
