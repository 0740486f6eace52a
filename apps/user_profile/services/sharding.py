"""Splitting the players among workers: `--shard K/N` and id-ordered batches, shared by backfill and reconcile."""

from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.db.models.functions import Mod

Shard = tuple[int, int]

# Bounds checked before a run starts: past them the database would refuse the numbers mid-run (integer
# columns, LIMIT), after a run had been recorded. A batch is one transaction; 100000 players is already long.
MAX_BATCH_SIZE = 100_000
MAX_SHARDS = 1024


def shard_validate(shard: Shard | None) -> None:
    """A shard (k, n) is players with `id % n == k - 1`, for 1 <= k <= n: the n shards partition the players."""
    if shard is None:
        return
    k, n = shard
    if not (isinstance(k, int) and isinstance(n, int)) or not 1 <= k <= n <= MAX_SHARDS:
        raise ValueError(f"A shard is K/N with 1 <= K <= N <= {MAX_SHARDS}, got {k}/{n}.")


def batch_size_validate(batch_size: int) -> None:
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size must be at least 1 and at most {MAX_BATCH_SIZE}, got {batch_size}.")


def shard_parse(value: str) -> Shard:
    """'K/N' from the command line -> (k, n)."""
    try:
        k_text, n_text = value.split("/")
        shard = (int(k_text), int(n_text))
    except ValueError:
        raise ValueError(f"A shard is written K/N (e.g. 2/4), got {value!r}.") from None
    shard_validate(shard)
    return shard


def player_id_batches(
    *, batch_size: int, shard: Shard | None = None, user_ids: list[int] | None = None
) -> Iterator[list[int]]:
    """Player ids in ascending batches (keyset pagination, so memory stays flat whatever the player count)."""
    batch_size_validate(batch_size)
    players = _players(shard=shard, user_ids=user_ids).order_by("pk")
    last_id = 0
    while True:
        batch = list(players.filter(pk__gt=last_id).values_list("pk", flat=True)[:batch_size])
        if not batch:
            return
        yield batch
        last_id = batch[-1]


def _players(*, shard: Shard | None, user_ids: list[int] | None = None) -> QuerySet:
    shard_validate(shard)
    players = get_user_model().objects.all()
    if user_ids is not None:
        players = players.filter(pk__in=user_ids)
    if shard is not None:
        players = players.alias(shard_bucket=Mod("pk", shard[1])).filter(shard_bucket=shard[0] - 1)
    return players


def players_in_scope_count(*, shard: Shard | None = None) -> int:
    return _players(shard=shard).count()
