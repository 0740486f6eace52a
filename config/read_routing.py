"""The pages' side of read routing (config/db_router.py): a GET of a viewer who has not just written reads
from a replica; any other method writes, runs on the primary, and pins its viewer (config/read_your_writes.py).
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, InterfaceError
from django.http import HttpRequest, HttpResponse

from config.db_router import current_route, replica_reads, route_failed_on_replica
from config.read_your_writes import viewer_is_pinned, viewer_pin

logger = logging.getLogger("deltacrown.replicas")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReplicaReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)  # nothing to choose: no session or user lookup for it
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            if user_id is not None:
                viewer_pin(user_id=user_id)
            return response
        with replica_reads(allowed=not viewer_is_pinned(user_id=user_id)):
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view that failed reading from a replica (stopped, or gone mid-request) runs again on the primary."""
        route = current_route()
        if not isinstance(exception, DatabaseError | InterfaceError) or route is None:
            return None
        if not route_failed_on_replica(route):
            return None
        logger.warning("A page failed on a read replica: answering it from the primary.")
        return self.get_response(request)
