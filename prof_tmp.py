import os, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("API_BUDGET_ANONYMOUS_POINTS", "100000000")
import django; django.setup()
from django.db import connection
from config.asgi_client import AsgiClient
from bench.analytics_social import GROUPS
api = AsgiClient()
timings=[]
def record(execute, sql, params, many, context):
    t=time.perf_counter(); r=execute(sql, params, many, context); timings.append(((time.perf_counter()-t)*1000, sql[:80].replace("\n"," "))); return r
for _ in range(3):
    timings.clear()
    with connection.execute_wrapper(record):
        t=time.perf_counter(); b=api.post("/graphql/", {"query": GROUPS, "variables": {"name": "player001535"}}).json(); total=(time.perf_counter()-t)*1000
    print(round(total,1), [(round(a,1), s) for a,s in timings])
