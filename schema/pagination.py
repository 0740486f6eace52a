"""Relay connection pieces shared by every list: the PageInfo type and the one way a connection is built from a
selector's page."""

from typing import Any, Protocol, TypeVar

import strawberry


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


class Page(Protocol):
    """What a selector's page (apps/user_profile/selectors: ActivityPage, LeaderboardPage, …) says of the list
    around it."""

    @property
    def has_next_page(self) -> bool: ...

    @property
    def has_previous_page(self) -> bool: ...


class Edge(Protocol):
    @property
    def cursor(self) -> str: ...


E = TypeVar("E", bound=Edge)
C_co = TypeVar("C_co", covariant=True)


class ConnectionType(Protocol[E, C_co]):
    """A connection's strawberry type (its constructor): `edges` and `page_info`."""

    def __call__(self, *, edges: list[E], page_info: PageInfo) -> C_co: ...


def connection_of(connection: ConnectionType[E, C_co], page: Page, edges: list[E]) -> C_co:
    """`connection` over the page's `edges`, built by the caller in one pass over the page's items (no call per
    edge here): the cursors of PageInfo are the first and last edges' own."""
    return connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def empty_connection(connection: ConnectionType[Any, C_co]) -> C_co:
    """`connection` with no edges and nothing either side (what a field the privacy policy denies answers)."""
    return connection(
        edges=[], page_info=PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None)
    )
