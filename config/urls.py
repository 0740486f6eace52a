from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.csrf import csrf_exempt

from apps.user_profile.views_metrics import metrics_view
from config.csp import graphiql_policy
from schema.view import GraphQLView

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # CSRF is checked inside the view, for cookie-session mutations only (anonymous and token reads need none).
    path("graphql/", csrf_exempt(graphiql_policy(GraphQLView.as_view())), name="graphql"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("apps.user_profile.urls")),
]

if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()

if settings.BENCH:
    urlpatterns.append(path("__bench__/", include("bench.floor")))
