"""What a trusted document saves per request: parse + validate of a typical feed document against the schema
(with the request-time limiter rules), versus the resolver's in-process LRU hit that returns it pre-parsed.

No database needed: the LRU is primed directly, as after a document's first request in a worker.

    .venv/bin/python scripts/persisted_queries_measure.py
"""

import asyncio
import hashlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_POOL", "0")

import django

django.setup()

from graphql import DocumentNode, parse, validate  # noqa: E402

from apps.persisted_queries.resolver import ResolvedDocument, lru, persisted_document_resolve  # noqa: E402
from schema import schema  # noqa: E402
from schema.execution import MAX_TOKENS, VALIDATION_RULES  # noqa: E402

FEED = """
query ActivityFeed($username: String!, $first: Int!, $after: String) {
  user(username: $username) {
    id
    username
    stats { matchesPlayed matchesWon winRate tournamentsWon netEarnings }
    activities(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          eventType
          timestamp
          metadata
          amount
          tournament { id name game status startsAt }
          match { id round state isForfeit completedAt }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
ROUNDS = 7
CALLS = 2000


def per_call_us(function: Callable[[], object]) -> float:
    """Median over ROUNDS of the mean CPU time of one call, in microseconds (CPU time, so that other processes
    on a busy machine do not count)."""
    samples = []
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(CALLS):
            function()
        samples.append((time.process_time() - started) / CALLS * 1e6)
    return statistics.median(samples)


def main() -> None:
    graphql_schema = schema._schema
    rules = VALIDATION_RULES

    def parse_only() -> DocumentNode:
        return parse(FEED, max_tokens=MAX_TOKENS)

    document = parse_only()

    def validate_only() -> object:
        return validate(graphql_schema, document, rules=rules)

    assert validate_only() == []
    lru.put(("id", "feed"), ResolvedDocument(query=FEED, document_id="feed", trusted=True, document=document))
    sha256 = hashlib.sha256(FEED.encode()).hexdigest()
    lru.put(("sha256", sha256), ResolvedDocument(query=FEED, document_id="feed", trusted=True, document=document))
    loop = asyncio.new_event_loop()

    async def resolve_many() -> None:
        for _ in range(CALLS):
            await persisted_document_resolve(query=None, extensions=None, document_id="feed", viewer_is_staff=False)

    def resolver_hits() -> float:
        samples = []
        for _ in range(ROUNDS):
            started = time.process_time()
            loop.run_until_complete(resolve_many())
            samples.append((time.process_time() - started) / CALLS * 1e6)
        return statistics.median(samples)

    parse_us = per_call_us(parse_only)
    validate_us = per_call_us(validate_only)
    hit_us = resolver_hits()
    print(f"feed document: {len(FEED)} characters")
    print(f"parse:                     {parse_us:8.1f} µs")
    print(f"validate (request rules):  {validate_us:8.1f} µs")
    print(f"parse + validate:          {parse_us + validate_us:8.1f} µs")
    print(f"resolver LRU hit (by id):  {hit_us:8.1f} µs")
    print(f"saved per request:         {parse_us + validate_us - hit_us:8.1f} µs")


if __name__ == "__main__":
    main()
