from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import URLPattern, URLResolver, include, path

from apps.user_profile.views_metrics import metrics_view
from schema.graphiql import graphiql_page

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # The page only: API requests to /graphql/ never reach Django (config/asgi.py sends them to schema.http).
    path("graphql/", graphiql_page, name="graphql"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("apps.user_profile.urls")),
    path("", include("apps.privacy.urls")),
]

if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()

if settings.BENCH:
    urlpatterns.append(path("__bench__/", include("bench.floor")))
