"""The GraphiQL page's exception to the site's Content-Security-Policy (settings.CONTENT_SECURITY_POLICY).

GraphiQL's dialogs (settings, keyboard shortcuts) lock scrolling with react-remove-scroll, which injects a
<style> element it cannot give our nonce (the vendored bundle has no hook for one), and CodeMirror's jump-to-line
dialog writes style attributes. So that page allows inline styles: 'unsafe-inline' in style-src, without the
nonce, which would make browsers ignore it. Its scripts stay nonce-only, like every other page's.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction
from csp.constants import SELF, UNSAFE_INLINE
from django.http import HttpRequest
from django.http.response import HttpResponseBase

GRAPHIQL_DIRECTIVES = {"style-src": [SELF, UNSAFE_INLINE]}

View = TypeVar("View", bound=Callable[..., Any])


def graphiql_policy(view: View) -> View:
    """Applies GRAPHIQL_DIRECTIVES to the async view's HTML answers (the IDE page), not to its API answers.

    django-csp's own decorators only wrap synchronous views."""
    if not iscoroutinefunction(view):
        raise TypeError(f"graphiql_policy wraps async views: {view!r} is not one.")

    @wraps(view)
    async def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = await view(request, *args, **kwargs)
        if response.get("Content-Type", "").startswith("text/html"):
            response._csp_replace = GRAPHIQL_DIRECTIVES  # read by CSPMiddleware
        return response

    return cast(View, wrapped)
