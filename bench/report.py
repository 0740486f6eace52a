"""The one table `make bench` prints."""

from typing import Any


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


SIDE_LABELS = {"graphql": "GraphQL", "django": "Django view", "bare": "bare ASGI", "page": "HTML page"}
PAGE_LABELS = {"page": "HTML page", "graphql": "GraphQL equiv."}


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def _x(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def _dash(value: Any) -> str:
    return "-" if value is None else str(value)


def _row(name: str, label: str, sql: Any, cost: Any, levels: dict[str, Any]) -> str:
    """Operation, server, SQL, cost | 1 client p50 p95 p99 | 16 clients req/s p95 | 64 clients req/s p95 | errors."""
    c1, c16, c64 = (_ms(levels[level]) for level in ("c1", "c16", "c64"))
    errors = sum(levels[level]["error_count"] for level in ("c1", "c16", "c64"))
    return (
        f"{name:34} {label:14} {sql:>3} {cost:>5} | {c1['p50']:>13} {c1['p95']:>7} {c1['p99']:>7} |"
        f" {c16['rps']:>9} {c16['p95']:>7} | {c64['rps']:>9} {c64['p95']:>7} | {errors:>4}"
    )


def _ms(load: dict[str, Any]) -> dict[str, str]:
    """A load's cells; "-" where no request completed within the run."""
    if not load["requests"]:
        return {"p50": "-", "p95": "-", "p99": "-", "rps": "0"}
    return {
        "p50": f"{load['p50_ms']:.2f}",
        "p95": f"{load['p95_ms']:.2f}",
        "p99": f"{load['p99_ms']:.2f}",
        "rps": f"{load['requests_per_second']:,.0f}",
    }


def _p(load: dict[str, Any], key: str) -> float | None:
    """A latency or throughput of a load, None where no request completed."""
    return load[key] if load["requests"] else None


def read_verdicts(read: dict[str, Any], workers: str, targets: dict[str, Any]) -> dict[str, Any]:
    """The product against the bare floor for one worker count: ratios and targets met."""
    loads = read["loads"][workers]
    product, bare = loads["graphql"], loads["bare"]
    x_p50 = _ratio(_p(product["c1"], "p50_ms"), _p(bare["c1"], "p50_ms"))
    x_p95 = _ratio(_p(product["c1"], "p95_ms"), _p(bare["c1"], "p95_ms"))
    of_bare = _ratio(product["c16"]["requests_per_second"], bare["c16"]["requests_per_second"])
    latency_met = x_p50 is not None and x_p95 is not None and max(x_p50, x_p95) <= targets["read_latency_x_bare"]
    throughput_met = of_bare is not None and of_bare >= targets["read_throughput_of_bare"]
    return {
        "x_p50": x_p50,
        "x_p95": x_p95,
        "of_bare_c16": of_bare,
        "latency": latency_met,
        "throughput": throughput_met,
    }


def print_table(results: dict[str, Any]) -> None:
    m, data, targets = results["machine"], results["data"], results["targets"]
    print(f"\nDeltaCrown Activity benchmark, {results['started_at']}")
    print(f"Machine: {m['cores']} cores, {m['cpu']}, {m['memory_gb']} GB RAM; {m['postgresql']}; ", end="")
    print(f"Python {m['python']}, Django {m['django']}")
    launch = m.get("load_average_at_launch", m["load_average_1m"])
    print(f"Load average (1 min): {launch} at launch, {m['load_average_1m']} when the reads started", end="")
    busy = max(launch, m["load_average_1m"] if results.get("jobs") is None else launch)
    print("  ** BUSY MACHINE (load >= 1): do not quote these figures **" if busy >= 1 else "")
    print(f"Data: {data['players']:,} players, {data['events']:,} events (seed {data['seed']})")
    method = results.get("read_method")
    if method:
        print(
            f"Reads: player {method['player']}; each target {method['duration_s']:g} s per level after"
            f" {method['warmup_s']:g} s of warm-up; 1 client = {method['one_client']}; 16 and 64 clients ="
            f" {', '.join(method['levels'])}; pool of {method.get('pool_max_per_worker', 20)} connections per worker"
        )
        for workers, commands in results["servers"].items():
            print(f"  {workers} worker(s): product: {commands['product']}")
            print(f"  {' ' * len(workers)}            bare:    {commands['bare']}")
    print()

    if method:
        _print_reads(results, targets)

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
    floor = jobs.get("copy_floor")
    if floor:
        print(
            f"{'COPY floor, ' + str(floor['workers']) + ' process(es)':38} {floor['rows']:>10,} events in"
            f" {floor['seconds']:.1f}s = {floor['rows_per_second']:,.0f} events/s | (the floor: the same rows by"
            f" COPY); backfill / floor = {jobs['backfill_events_per_second'] / floor['rows_per_second']:.2f}"
        )
    print(
        f"{'reconcile of all players':38} {jobs['reconcile_players']:>10,} players in"
        f" {jobs['reconcile_seconds']:.1f}s | <={targets['reconcile_seconds']:g}s {_verdict(reconcile_met)}"
    )


def _print_reads(results: dict[str, Any], targets: dict[str, Any]) -> None:
    x_max, of_bare = targets["read_latency_x_bare"], targets["read_throughput_of_bare"]
    for workers in results["servers"]:
        title = f"reads, {workers} uvicorn worker(s)"
        header = (
            f"{title:34} {'server':14} {'SQL':>3} {'cost':>5} | {'1 client: p50':>13} {'p95':>7} {'p99':>7} |"
            f" {'16: req/s':>9} {'p95':>7} | {'64: req/s':>9} {'p95':>7} | {'err':>4} |"
            f" {'x p50':>5} {'x p95':>5} {'x r/s':>5} | target (vs bare: p50, p95 <= {x_max:g}x; req/s@16 >="
            f" {of_bare:.2f}x)"
        )
        print(header)
        print("-" * len(header))
        for read in results["reads"]:
            if workers not in read["loads"]:
                continue
            verdict = read_verdicts(read, workers, targets)
            for side in ("graphql", "django", "bare"):
                levels = read["loads"][workers][side]
                name = read["operation"] if side == "graphql" else ""
                cost = _dash(read["cost_requested"]) if side == "graphql" else ""
                line = _row(name, SIDE_LABELS[side], _dash(read["queries_per_request"][side]), cost, levels)
                if side == "graphql":
                    p95_met = levels["c1"]["p95_ms"] <= read["target_p95_ms"]
                    sql = read["queries_per_request"]["graphql"]
                    sql_met = sql is None or sql <= targets["max_queries_per_request"]
                    line += (
                        f" | {_x(verdict['x_p50']):>5} {_x(verdict['x_p95']):>5} {_x(verdict['of_bare_c16']):>5} |"
                        f" latency {_verdict(verdict['latency'])}, req/s {_verdict(verdict['throughput'])};"
                        f" p95<={read['target_p95_ms']:g}ms {_verdict(p95_met)}"
                        f"{'' if sql_met else '; SQL > ' + str(targets['max_queries_per_request'])}"
                        f"{'' if read['same_json'] else ' (JSON DIFFERS)'}"
                    )
                print(line)
        for page in results.get("pages", []):
            if workers not in page["loads"]:
                continue
            loads = page["loads"][workers]
            for side in ("page", "graphql"):
                name = page["operation"] if side == "page" else ""
                cost = _dash(page.get("cost_requested")) if side == "graphql" else ""
                line = _row(name, PAGE_LABELS[side], "", cost, loads[side])
                if side == "page":
                    x_p50 = _ratio(_p(loads["page"]["c1"], "p50_ms"), _p(loads["graphql"]["c1"], "p50_ms"))
                    x_p95 = _ratio(_p(loads["page"]["c1"], "p95_ms"), _p(loads["graphql"]["c1"], "p95_ms"))
                    x_rps = _ratio(
                        loads["page"]["c16"]["requests_per_second"], loads["graphql"]["c16"]["requests_per_second"]
                    )
                    line += f" | {_x(x_p50):>5} {_x(x_p95):>5} {_x(x_rps):>5} | page vs its GraphQL equivalent"
                print(line)
        over = results.get("over_cost", {}).get(workers)
        if over:
            c1 = _ms(over["c1"])
            if over["refused"]:
                outcome = "refused (QUERY_TOO_COMPLEX)"
            elif over["status"] == 200:
                outcome = f"EXECUTED, {over['response_bytes']:,} bytes"
            else:
                outcome = f"answered {', '.join(over['codes']) or 'without a QUERY_TOO_COMPLEX code'}"
            print(
                f"{'over-cost query (1 client)':34} {'GraphQL':14} {'':>3} {_dash(over['cost_requested']):>5} |"
                f" {c1['p50']:>13} {c1['p95']:>7} {c1['p99']:>7} | HTTP {over['status']} {outcome};"
                f" {over['c1']['requests']} requests in {over['c1']['duration_s']:.0f} s,"
                f" {over['c1']['socket_errors']} socket errors"
            )
        print(
            "(ms; SQL = statements per request; cost = extensions.cost.requested; err = failed requests, non-2xx or"
            " socket; x = GraphQL / bare ASGI floor, x r/s = req/s at 16 clients)\n"
        )
    _print_scaling(results, targets)


def _print_scaling(results: dict[str, Any], targets: dict[str, Any]) -> None:
    counts = list(results["servers"])
    if len(counts) < 2:
        return
    low, high = counts[0], counts[-1]
    goal = targets["read_scaling_workers"]
    header = (
        f"{'req/s at 16 clients, ' + high + ' workers / ' + low:34} {'GraphQL':>8} {'Django':>8} {'bare':>8}"
        f" {'page':>8} | target (product) >= {goal:g}x"
    )
    print(header)
    print("-" * len(header))
    for row in [*results["reads"], *results.get("pages", [])]:
        loads = row["loads"]
        if low not in loads or high not in loads:
            continue
        cells = []
        for side in ("graphql", "django", "bare", "page"):
            if side in loads[low]:
                ratio = _ratio(
                    loads[high][side]["c16"]["requests_per_second"], loads[low][side]["c16"]["requests_per_second"]
                )
                cells.append(f"{_x(ratio):>8}")
            else:
                cells.append(f"{'':>8}")
        product = "page" if "page" in loads[low] else "graphql"
        scale = _ratio(
            loads[high][product]["c16"]["requests_per_second"], loads[low][product]["c16"]["requests_per_second"]
        )
        met = scale is not None and scale >= goal
        print(f"{row['operation']:34} {' '.join(cells)} | {_verdict(met)}")
    print()
