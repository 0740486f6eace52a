"""GraphiQL's page: what a browser gets when it opens /graphql/ (the API itself is schema.http.app)."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

# The page's exception to the site's Content-Security-Policy: GraphiQL's dialogs lock scrolling with
# react-remove-scroll, which injects a <style> element it cannot give our nonce, and CodeMirror's jump-to-line
# dialog writes style attributes. So this page allows inline styles ('unsafe-inline' without the nonce, which
# would make browsers ignore it); its scripts stay nonce-only, like every other page's.
GRAPHIQL_DIRECTIVES = {"style-src": [SELF, UNSAFE_INLINE]}


@require_GET
@ensure_csrf_cookie  # the IDE sends the token with cookie-session mutations
@csp_replace(GRAPHIQL_DIRECTIVES)
def graphiql_page(request: HttpRequest) -> HttpResponse:
    if not settings.GRAPHIQL_ENABLED:
        raise Http404("GraphiQL is turned off.")
    return render(request, "graphql/graphiql.html")
