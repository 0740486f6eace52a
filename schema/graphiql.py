"""GraphiQL's page: what a browser gets when it opens /graphql/ (the API itself is schema.http.app)."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET


@require_GET
@ensure_csrf_cookie  # the IDE sends the token with cookie-session mutations
def graphiql_page(request: HttpRequest) -> HttpResponse:
    if not settings.GRAPHIQL_ENABLED:
        raise Http404("GraphiQL is turned off.")
    return render(request, "graphql/graphiql.html")
