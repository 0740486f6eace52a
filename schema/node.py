"""Relay global ids: base64("Type:pk"), and the Node interface every fetchable object implements."""

import base64
import binascii

import strawberry

from schema.errors import BadInputError


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID


MAX_PK = 2**63  # bigint: anything larger cannot be a row, and must not reach the database


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(base64.b64encode(f"{type_name}:{pk}".encode()).decode())


# Every id this API hands out is well under this ("Activity:" and a 19-digit bigint are 40 in base64).
MAX_GLOBAL_ID_LENGTH = 64


def _invalid_id(global_id: str) -> BadInputError:
    shown = global_id if len(global_id) <= MAX_GLOBAL_ID_LENGTH else global_id[:MAX_GLOBAL_ID_LENGTH] + "…"
    return BadInputError(f"Invalid ID {shown!r}: pass an `id` exactly as returned by this API.")


def from_global_id(global_id: str) -> tuple[str, int]:
    """(type name, primary key) of a global id; BadInputError for anything this API did not hand out.

    Only the exact text to_global_id produces is accepted: "User:01", "User:+1", "User:1_0", " User:1",
    non-ASCII digits or base64 without its padding would otherwise all parse to some row.
    """
    if len(global_id) > MAX_GLOBAL_ID_LENGTH:
        raise _invalid_id(global_id)
    try:
        type_name, _, raw_pk = base64.b64decode(global_id.encode("ascii"), validate=True).decode().partition(":")
        pk = int(raw_pk)
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise _invalid_id(global_id) from error
    if (
        not (type_name.isascii() and type_name.isalpha())
        or not 0 < pk < MAX_PK
        or to_global_id(type_name, pk) != global_id
    ):
        raise _invalid_id(global_id)
    return type_name, pk


def pk_from_global_id(global_id: str, *, expected_type: str) -> int:
    type_name, pk = from_global_id(global_id)
    if type_name != expected_type:
        raise BadInputError(f"ID {global_id!r} is a {type_name}, expected a {expected_type}.")
    return pk
