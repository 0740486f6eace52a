"""The one table `make bench` prints."""

from typing import Any


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def print_table(results: dict[str, Any]) -> None:
    m, data, targets = results["machine"], results["data"], results["targets"]
    print(f"\nDeltaCrown Activity benchmark, {results['started_at']}")
    print(f"Machine: {m['cores']} cores, {m['cpu']}, {m['memory_gb']} GB RAM; {m['postgresql']}; ", end="")
    print(f"Python {m['python']}, Django {m['django']}; load average {m['load_average_1m']} at the start")
    print(f"Data: {data['players']:,} players, {data['events']:,} events (seed {data['seed']})\n")

    header = (
        f"{'reads over HTTP (warm, 1 uvicorn worker)':38} {'reqs':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'SQL':>4}"
        f" | {'raw p50':>7} {'raw p95':>7} {'SQL':>4} | {'x p50':>6} {'x p95':>6} | target"
    )
    print(header)
    print("-" * len(header))
    for r in results["reads"]:
        g, f = r["graphql"], r["floor"]
        goals = [f"p95<={r['target_p95_ms']:g}ms"]
        met = g["p95_ms"] <= r["target_p95_ms"] and r["queries_per_request"] <= targets["max_queries_per_request"]
        if r["target_ratio"]:
            goals.append(f"x<={r['target_ratio']:g}")
            met = met and r["ratio_p95"] <= r["target_ratio"]
        print(
            f"{r['operation']:38} {r['requests']:>5} {g['p50_ms']:>7.2f} {g['p95_ms']:>7.2f} {g['p99_ms']:>7.2f}"
            f" {r['queries_per_request']:>4} | {f['p50_ms']:>7.2f} {f['p95_ms']:>7.2f}"
            f" {r['floor_queries_per_request']:>4} | {r['ratio_p50']:>6.2f} {r['ratio_p95']:>6.2f} |"
            f" {', '.join(goals)} {_verdict(met)}{'' if r['same_json'] else ' (JSON DIFFERS)'}"
        )
    print("(latencies in ms; SQL = queries per request; raw = plain async view, raw SQL, same pool, same JSON)\n")

    header = f"{'writes (processes, own connections)':38} {'events':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'events/s':>9} | target"
    print(header)
    print("-" * len(header))
    for w in results["writes"]:
        lat = w["latency"]
        label = f"{w['writers']} writer(s), " + ("raw SQL floor" if w["raw_sql"] else "record_event")
        goal = f"p95<={targets['record_event_p95_ms']:g}ms"
        met = lat["p95_ms"] <= targets["record_event_p95_ms"]
        if w["raw_sql"]:
            goal = "(the floor)"
        elif w["writers"] > 1:
            goal += f", >={targets['record_event_4_writers_events_per_second']:,}/s"
            met = met and w["events_per_second"] >= targets["record_event_4_writers_events_per_second"]
        lost = "none lost" if not (w["lost_events"] or w["lost_coins"]) else "LOST WRITES"
        print(
            f"{label:38} {w['events']:>6} {lat['p50_ms']:>7.2f}"
            f" {lat['p95_ms']:>7.2f} {lat['p99_ms']:>7.2f} {w['events_per_second']:>9,.0f} | {goal}"
            f"{'' if w['raw_sql'] else ' ' + _verdict(met)}; {lost}"
        )

    jobs = results["jobs"]
    print()
    if jobs is None:
        print("jobs: skipped (--reuse)")
        return
    backfill_met = jobs["backfill_events_per_second"] >= targets["backfill_events_per_second"]
    reconcile_met = jobs["reconcile_seconds"] <= targets["reconcile_seconds"]
    print(
        f"{'backfill, ' + str(jobs.get('backfill_workers', 1)) + ' shard worker(s)':38} {jobs['events']:>10,} events in {jobs['backfill_seconds']:.1f}s ="
        f" {jobs['backfill_events_per_second']:,.0f} events/s | >={targets['backfill_events_per_second']:,}/s"
        f" {_verdict(backfill_met)}"
    )
    print(
        f"{'reconcile of all players':38} {jobs['reconcile_players']:>10,} players in"
        f" {jobs['reconcile_seconds']:.1f}s | <={targets['reconcile_seconds']:g}s {_verdict(reconcile_met)}"
    )
