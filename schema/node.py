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


def from_global_id(global_id: str) -> tuple[str, int]:
    """(type name, primary key) of a global id; BadInputError for anything this API did not hand out."""
    try:
        type_name, _, raw_pk = base64.b64decode(global_id.encode("ascii"), validate=True).decode().partition(":")
        pk = int(raw_pk)
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise BadInputError(f"Invalid ID {global_id!r}: pass an `id` exactly as returned by this API.") from error
    if not type_name or not 0 < pk < MAX_PK:
        raise BadInputError(f"Invalid ID {global_id!r}: pass an `id` exactly as returned by this API.")
    return type_name, pk


def pk_from_global_id(global_id: str, *, expected_type: str) -> int:
    type_name, pk = from_global_id(global_id)
    if type_name != expected_type:
        raise BadInputError(f"ID {global_id!r} is a {type_name}, expected a {expected_type}.")
    return pk
