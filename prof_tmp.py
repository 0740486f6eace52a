import os, time, statistics
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("API_BUDGET_ANONYMOUS_POINTS", "100000000")
import django; django.setup()
from config.asgi_client import AsgiClient
api = AsgiClient()
base = 'query($name: String!) { user(username: $name) { activityGroups(first: 20, timeZone: "Asia/Kathmandu") { edges { cursor node { %s } } } } }'
feed = 'query($name: String!) { user(username: $name) { activities(first: 80) { edges { cursor node { id eventType } } } } }'
for label, q in [("scalars", base % "key count firstAt"), ("+tournament", base % "key count tournament { name }"), ("+members", base % "key count members(first: 3) { id eventType }"), ("feed 80", feed)]:
    ts=[]
    for _ in range(25):
        t=time.perf_counter(); b=api.post("/graphql/", {"query": q, "variables": {"name": "player001535"}}).json(); ts.append((time.perf_counter()-t)*1000)
        assert "errors" not in b, b
    print(label, round(statistics.median(ts),1))
