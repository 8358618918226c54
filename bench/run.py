"""make bench: finetracker beside Datasette on the same synthetic decisions, on this machine, in one run.

    make bench SCALE=20000 DURATION=5          # a few minutes
    make bench                                 # 1,000,000 decisions, 10 s a URL

Steps: (re)create the benchmark's own PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/finetracker_bench; its name must contain "bench": it is dropped),
migrate it and fill it with SCALE synthetic decisions (bench/synthetic.py); publish the same rows as one
SQLite table (bench/datasette_db.py); serve finetracker with gunicorn and the SQLite file with Datasette,
on loopback. Datasette keeps its defaults but two: no cap on CSV size, so that its export is whole, and
no facet suggestions, which a publisher of a large table turns off and finetracker's list does not offer
(they cost about a second a page at 200,000 rows). Then wrk, pinned to CPU 1, loads each page for
DURATION seconds: the list of one country by amount (page 1 and a deep page), a decision, a comparison,
the country's statistics, and Datasette's equivalents. Then the full CSV export of each (rows/s, and the
peak RSS of the process that served it), the raw SQL of the list page timed with psycopg2 (the floor),
the queries each page makes (test client), and last, with the servers stopped, `manage.py import_file
--kind interchange` of new rows (as many as a calibration says fit in the import budget, up to 100,000).

Prints a table, then, as its last line, one JSON object. Servers are stopped at the end, also on failure.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasette_db import sqlite_publish  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/finetracker_bench"
PAGE_SIZE = 50  # finetracker's FINES_PAGE_SIZE; Datasette is asked for the same
LOAD_CPU = 1  # wrk (and the export download) run on this CPU only
CALIBRATION_ROWS = 500
GUNICORN_DEFAULT_TIMEOUT = 30  # what docker-compose's gunicorn runs with

# The targets at SCALE=1,000,000: (key, test, words).
TARGETS = [
    ("ratio_list_vs_datasette", lambda r: r["ratio_list_vs_datasette"] >= 2, ">= 2x Datasette's list"),
    ("list_p50_ms", lambda r: r["list_p50_ms"] <= 3 * r["sql_floor_ms"] + 10, "<= 3x SQL floor + 10 ms"),
    ("list_p50_ms_c1", lambda r: r["list_p50_ms_c1"] <= 3 * r["sql_floor_ms"] + 10, "the same, one connection"),
    ("deep_page_p50_ms", lambda r: r["deep_page_p50_ms"] <= 2 * r["list_p50_ms"], "<= 2x page 1"),
    ("queries_per_list_page", lambda r: r["queries_per_list_page"] <= 8, "<= 8"),
    ("export_rows_per_s", lambda r: r["export_rows_per_s"] >= 50_000, ">= 50,000"),
    ("export_peak_mb", lambda r: r["export_peak_mb"] < 200, "< 200 MB"),
    ("import_rows_per_s", lambda r: r["import_rows_per_s"] >= 5_000, ">= 5,000"),
]


class BenchError(Exception):
    pass


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the benchmark's database ----------------------------------------------------------------------------

def database_reset(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql", "pgsql") or "bench" not in name:
        raise BenchError(f"BENCH_DATABASE_URL must name a PostgreSQL database with 'bench' in its name (it is "
                         f"dropped and recreated), not {url!r}")
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(maintenance)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def app_environment(database_url: str) -> dict[str, str]:
    """The production shape: DEBUG off, a throwaway key, loopback hosts, the benchmark's database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "HTTPS": "off",  # plain HTTP on loopback: no redirect to https
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        "BROKER_DIR": str(WORK / "broker"),
        "PYTHONUNBUFFERED": "1",
    }


def django_child(env: dict[str, str], *arguments: str, timeout: float | None = None) -> str:
    """Run a Django child (manage.py or a bench script) and return its stdout; fail with its stderr."""
    child = subprocess.run([PYTHON, *arguments], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if child.returncode:
        raise BenchError(f"{' '.join(arguments[:3])} failed:\n{child.stderr[-3000:]}")
    return child.stdout


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def select(dsn: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    connection.close()
    return rows


# --- servers -------------------------------------------------------------------------------------------

class Server:
    """A server in its own process group, stopped (the whole group) when the run ends, however it ends."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int, ready_path: str):
        self.name, self.port = name, port
        self.base = f"http://127.0.0.1:{port}"
        self.log = WORK / f"{name}.log"
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{name} exited at start:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if fetch(self.base + ready_path)[0] == 200:
                    return
            time.sleep(0.3)
        raise BenchError(f"{name} did not answer {ready_path} within 90 s:\n{self.log.read_text()[-3000:]}")

    def workers(self) -> list[int]:
        """The gunicorn master's worker processes (or the server itself when it has none)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        with contextlib.suppress(OSError):
            if children := [int(pid) for pid in path.read_text().split()]:
                return children
        return [self.process.pid]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def fetch(url: str, timeout: float = 120) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- measuring -----------------------------------------------------------------------------------------

def wrk(url: str, *, duration: int, connections: int) -> dict:
    """DURATION seconds of load on one URL from wrk pinned to LOAD_CPU; latencies in ms."""
    command = ["taskset", "-c", str(LOAD_CPU), "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "60s",
               "--latency", "-s", str(Path(__file__).with_name("wrk_report.lua")), url]
    child = subprocess.run(command, capture_output=True, text=True, timeout=duration + 90)
    line = next((line for line in child.stdout.splitlines() if line.startswith("WRK_JSON ")), None)
    if child.returncode or line is None:
        raise BenchError(f"wrk failed on {url}:\n{child.stdout}\n{child.stderr}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return {
        "rps": round(raw["requests"] / seconds, 1), "requests": raw["requests"],
        "p50_ms": round(raw["p50_us"] / 1000, 1), "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1), "non_2xx": raw["status_errors"], "errors": errors,
    }


def page_load(name: str, url: str, *, duration: int, connections: int, problems: list[str],
              single_too: bool = False) -> dict:
    """Check the page answers 200, warm it, then load it; with `single_too`, also with one connection
    (latency without queueing: with more connections than workers a request waits for another)."""
    status, body = fetch(url)
    result = {"url": url, "status": status, "bytes": len(body)}
    if status != 200:
        snippet = re.sub(r"\s+", " ", body.decode(errors="replace"))[:300]
        problems.append(f"{name}: {url} answered {status}: {snippet}")
        return result
    for _ in range(2):
        fetch(url)
    result.update(wrk(url, duration=duration, connections=connections))
    if single_too:
        single = wrk(url, duration=duration, connections=1)
        result.update({"p50_ms_c1": single["p50_ms"], "p95_ms_c1": single["p95_ms"], "rps_c1": single["rps"]})
    if result["non_2xx"] or result["errors"]:
        problems.append(f"{name}: {url} under load: {result['non_2xx']} non-2xx responses, "
                        f"{result['errors']} socket errors or timeouts")
    return result


def machine_busy_pct(seconds: float = 2.0) -> float:
    """How busy the CPUs are (all processes, ours idle at the time): other work on the machine skews figures."""
    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return round(100 * (1 - (idle1 - idle0) / max(1, total1 - total0)), 1)


def peak_rss_reset(pids: list[int]) -> bool:
    """Reset each process's peak RSS (VmHWM) to its current RSS (Linux 4.0+: clear_refs 5)."""
    try:
        for pid in pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def proc_status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def download(url: str, *, server: Server, expected_rows: int, limit: float) -> dict:
    """Stream one export, on LOAD_CPU, whole or for `limit` seconds at most; rows/s, and the serving
    processes' peak RSS while it ran."""
    pids = server.workers()
    rss_before = max(proc_status_mb(pid, "VmRSS") for pid in pids)
    reset = peak_rss_reset(pids)
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {LOAD_CPU})
    rows = size = 0
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=3600) as response:
            status = response.status
            while chunk := response.read(1 << 20):
                size += len(chunk)
                rows += chunk.count(b"\n")
                if time.perf_counter() - started > limit:
                    break
    except urllib.error.HTTPError as error:
        status = error.code
    finally:
        os.sched_setaffinity(0, affinity)
    seconds = time.perf_counter() - started
    rows = max(0, rows - 1)  # the header; the synthetic summaries have no line breaks
    return {
        "url": url, "status": status, "rows": rows, "complete": rows == expected_rows, "seconds": round(seconds, 2),
        "stopped_at_limit": seconds > limit,
        "rows_per_s": round(rows / seconds) if seconds else 0, "megabytes": round(size / 2**20, 1),
        "rss_before_mb": round(rss_before, 1),
        "peak_mb": round(max(proc_status_mb(pid, "VmHWM") for pid in pids), 1),
        "peak_is_since_start": not reset,
    }


def sql_p50(dsn: str, sql: str, *, seconds: float, at_most: int = 500) -> float:
    """p50 in ms of running one statement and fetching its rows, on one connection, warm."""
    times = []
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute(sql)
            cursor.fetchall()
        deadline = time.perf_counter() + seconds
        while len(times) < at_most and (len(times) < 5 or time.perf_counter() < deadline):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    connection.close()
    return round(statistics.median(times), 2)


def rows_query(queries: list[str]) -> str:
    """The list page's query for its rows: from fines_decision, with LIMIT, not a count."""
    for sql in queries:
        if 'FROM "fines_decision"' in sql and "LIMIT" in sql and "COUNT(" not in sql.upper():
            return sql
    raise BenchError("could not find the list's row query among:\n" + "\n".join(queries))


def datasette_deep_token(base: str, query: str, page: int) -> str:
    """Datasette pages by keyset: follow `next` from page 1 to `page`; the token of that page."""
    token = ""
    for _ in range(page - 1):
        url = f"{base}.json?{query}&_nocount=1&_nofacet=1&_shape=objects" + (f"&_next={token}" if token else "")
        status, body = fetch(url)
        if status != 200:
            raise BenchError(f"Datasette answered {status} to {url}")
        token = json.loads(body).get("next") or ""
        if not token:
            raise BenchError(f"Datasette's list ended before page {page}")
        token = urllib.parse.quote(str(token), safe="")
    return token


def import_run(env: dict[str, str], *, rows: int, first: int, name: str, timeout: float) -> dict:
    path = WORK / f"{name}.csv"
    django_child(env, "bench/synthetic.py", "interchange", "--rows", str(rows), "--first", str(first), str(path))
    started = time.perf_counter()
    summary = last_json(django_child(env, "manage.py", "import_file", "--kind", "interchange", str(path), "--json",
                                     timeout=timeout))
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds, 1),
            "created": summary.get("created"), "failed": summary.get("failed"),
            "problems": summary.get("problems", [])[:3]}


# --- the run -------------------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    for tool in ("wrk", "taskset"):
        if not shutil.which(tool):
            package = "wrk" if tool == "wrk" else "util-linux"
            raise BenchError(f"{tool} is not installed (Debian: apt-get install {package})")
    if LOAD_CPU not in os.sched_getaffinity(0):
        raise BenchError(f"CPU {LOAD_CPU} is not available to this process")
    dsn = args.database_url
    env = app_environment(dsn)
    timings: dict[str, float] = {}
    problems: list[str] = []
    result: dict = {"scale": args.scale, "duration_s": args.duration}

    def phase(name: str, started: float) -> None:
        timings[name] = round(time.perf_counter() - started, 1)

    started = time.perf_counter()
    say(f"Database {urllib.parse.urlsplit(dsn).path.lstrip('/')}: recreate and migrate")
    database_reset(dsn)
    django_child(env, "manage.py", "migrate", "--no-input", "-v0")
    phase("migrate", started)

    started = time.perf_counter()
    say(f"Generating {args.scale:,} synthetic decisions (COPY)")
    generated = last_json(django_child(env, "bench/synthetic.py", "register", "--scale", str(args.scale)))
    phase("generate", started)
    say(f"  {generated}")

    started = time.perf_counter()
    say("Publishing the same rows to SQLite for Datasette")
    published = sqlite_publish(dsn=dsn, path=WORK / "bench.db")
    phase("sqlite", started)
    say(f"  {published}")

    django_child(env, "manage.py", "collectstatic", "--no-input", "-v0")  # the manifest DEBUG=0 needs

    country = args.country
    (published_rows,), = select(dsn, "SELECT count(*) FROM fines_decision WHERE is_published")
    (country_rows,), = select(dsn, """SELECT count(*) FROM fines_decision d JOIN fines_authority a
                                      ON a.id = d.authority_id WHERE a.country = %s AND d.is_published""", (country,))
    if country_rows < PAGE_SIZE * 2:
        raise BenchError(f"{country} has only {country_rows} decisions at this scale; choose another --country")
    deep = min(args.deep_page, math.ceil(country_rows / PAGE_SIZE))
    top = [n for (n,) in select(dsn, """SELECT d.number FROM fines_decision d JOIN fines_authority a
                                        ON a.id = d.authority_id WHERE a.country = %s AND d.is_published
                                        ORDER BY d.amount_eur DESC NULLS LAST, d.number DESC LIMIT 3""", (country,))]
    (detail,), = select(dsn, """SELECT d.number FROM fines_decision d JOIN fines_authority a ON a.id = d.authority_id
                                WHERE a.country = %s AND d.is_published
                                  AND EXISTS (SELECT 1 FROM fines_appealevent e WHERE e.decision_id = d.id)
                                ORDER BY d.amount_eur DESC NULLS LAST LIMIT 1""", (country,))
    list_query = f"country={country}&sort=-amount_eur"
    pages = {
        "list": f"/fines/?{list_query}",
        "deep": f"/fines/?{list_query}&page={deep}",
        "detail": f"/fines/FT-{detail}/",
        "compare": "/compare/?fines=" + ",".join(f"FT-{n}" for n in top),
        "stats": f"/stats/?country={country}",
    }
    result.update({"country": country, "country_rows": country_rows, "deep_page": deep})

    started = time.perf_counter()
    say("Queries per page (test client, CaptureQueriesContext)")
    probed = last_json(django_child(env, "bench/probe.py", *pages.values()))
    queries = {name: probed[path]["queries"] for name, path in pages.items()}
    page_sql_ms = {name: probed[path]["sql_ms"] for name, path in pages.items()}
    for name, path in pages.items():
        if probed[path]["status"] != 200:
            problems.append(f"{name}: {path} answered {probed[path]['status']} on the test client")
    floor_seconds = min(3.0, float(args.duration))
    result["sql_floor_ms"] = sql_p50(dsn, rows_query(probed[pages["list"]]["sql"]), seconds=floor_seconds)
    result["deep_sql_floor_ms"] = sql_p50(dsn, rows_query(probed[pages["deep"]]["sql"]), seconds=floor_seconds)
    result["list_page_sql_ms"] = round(sum(sql_p50(dsn, sql, seconds=floor_seconds / 2, at_most=100)
                                           for sql in probed[pages["list"]]["sql"]), 2)
    (WORK / "list_page_queries.sql").write_text(";\n\n".join(probed[pages["list"]]["sql"]) + ";\n")
    phase("sql", started)

    finetracker = datasette = None
    loads: dict[str, dict] = {}
    exports: dict[str, dict] = {}
    try:
        say(f"Starting gunicorn ({args.workers} workers) and Datasette on loopback")
        gunicorn_port = free_port()
        finetracker = Server(
            "gunicorn",
            [PYTHON, "-m", "gunicorn", "finetracker.wsgi", "--bind", f"127.0.0.1:{gunicorn_port}",
             "--workers", str(args.workers), "--timeout", str(args.gunicorn_timeout), "--log-level", "warning"],
            env, gunicorn_port, "/fines/",
        )
        datasette_port = free_port()
        datasette = Server(
            "datasette",
            [str(BIN / "datasette"), "serve", "-i", str(WORK / "bench.db"), "-h", "127.0.0.1",
             "-p", str(datasette_port), "--setting", "max_csv_mb", "0", "--setting", "suggest_facets", "off"],
            env, datasette_port, "/-/versions.json",
        )
        table = f"{datasette.base}/bench/decisions"
        ds_query = f"country__exact={country}&_sort_desc=amount_eur&_size={PAGE_SIZE}"
        started = time.perf_counter()
        say(f"Walking Datasette's keyset pages to page {deep}")
        token = datasette_deep_token(table, ds_query, deep)
        phase("datasette_walk", started)
        datasette_pages = {
            "list": f"{table}?{ds_query}",
            "deep": f"{table}?{ds_query}" + (f"&_next={token}" if token else ""),
            "detail": f"{table}/{detail}",
            "compare": f"{table}?number__in={','.join(map(str, top))}",
            "stats": f"{table}?country__exact={country}&_facet=authority&_facet=sector&_facet=violation_type"
                     f"&_facet=status&_facet=legal_basis",
        }
        result["machine_busy_pct_before"] = machine_busy_pct()
        started = time.perf_counter()
        for name in pages:
            for side, url in (("finetracker", finetracker.base + pages[name]), ("datasette", datasette_pages[name])):
                say(f"Load {args.duration} s: {side} {name}")
                loads[f"{side}_{name}"] = page_load(f"{side} {name}", url, duration=args.duration,
                                                    connections=args.connections, problems=problems,
                                                    single_too=name in ("list", "deep"))
        phase("load", started)

        started = time.perf_counter()
        say("Full CSV export: finetracker")
        exports["finetracker"] = download(finetracker.base + "/fines/export.csv", server=finetracker,
                                          expected_rows=published_rows, limit=args.export_limit)
        say("Full CSV export: Datasette")
        exports["datasette"] = download(f"{table}.csv?_stream=on&_size=max", server=datasette,
                                        expected_rows=published_rows, limit=args.export_limit)
        phase("export", started)
        result["machine_busy_pct_after"] = machine_busy_pct()
        for side, export in exports.items():
            if export["stopped_at_limit"]:
                problems.append(f"{side} export: stopped after {args.export_limit} s (--export-limit) with "
                                f"{export['rows']:,} of {published_rows:,} rows; rows/s and peak are of that part")
            elif export["status"] != 200 or not export["complete"]:
                problems.append(f"{side} export: {export['url']} answered {export['status']} with {export['rows']} "
                                f"of {published_rows} rows")
        if exports["finetracker"]["seconds"] > GUNICORN_DEFAULT_TIMEOUT:
            problems.append(
                f"finetracker export took {exports['finetracker']['seconds']} s: a gunicorn sync worker with the "
                f"default --timeout {GUNICORN_DEFAULT_TIMEOUT} (docker-compose's) is killed mid-export; this run "
                f"used --timeout {args.gunicorn_timeout}"
            )
    finally:
        for server in (datasette, finetracker):
            if server is not None:
                server.stop()

    started = time.perf_counter()
    say(f"Import: calibrating on {CALIBRATION_ROWS} rows")
    calibration = import_run(env, rows=CALIBRATION_ROWS, first=args.scale + 1, name="import-calibration",
                             timeout=max(600, args.import_budget * 4))
    rows = min(args.import_rows, max(CALIBRATION_ROWS, int(calibration["rows_per_s"] * args.import_budget)))
    say(f"Import: {rows:,} rows (calibration: {calibration['rows_per_s']} rows/s"
        + (f"; {args.import_rows:,} would take ~{args.import_rows / calibration['rows_per_s']:.0f} s, over the "
           f"{args.import_budget} s budget" if rows < args.import_rows else "") + ")")
    imported = import_run(env, rows=rows, first=args.scale + CALIBRATION_ROWS + 1, name="import",
                          timeout=max(600, args.import_budget * 4))
    phase("import", started)
    busy = max(result.get("machine_busy_pct_before", 0), result.get("machine_busy_pct_after", 0))
    if busy > 15:
        problems.append(f"the machine was {busy}% busy with other work while the servers were idle: figures are noisy")
    if imported["failed"]:
        problems.append(f"import: {imported['failed']} rows failed, e.g. {imported['problems']}")

    def load(side: str, name: str, key: str):
        return loads.get(f"{side}_{name}", {}).get(key)

    list_rps, ds_rps = load("finetracker", "list", "rps"), load("datasette", "list", "rps")
    result.update({
        "list_rps": list_rps,
        "datasette_list_rps": ds_rps,
        "ratio_list_vs_datasette": round(list_rps / ds_rps, 2) if list_rps and ds_rps else None,
        "list_p50_ms": load("finetracker", "list", "p50_ms"),
        "list_p95_ms": load("finetracker", "list", "p95_ms"),
        "deep_page_p50_ms": load("finetracker", "deep", "p50_ms"),
        "list_p50_ms_c1": load("finetracker", "list", "p50_ms_c1"),
        "deep_page_p50_ms_c1": load("finetracker", "deep", "p50_ms_c1"),
        "datasette_list_p50_ms_c1": load("datasette", "list", "p50_ms_c1"),
        "export_rows_per_s": exports.get("finetracker", {}).get("rows_per_s"),
        "export_peak_mb": exports.get("finetracker", {}).get("peak_mb"),
        "import_rows_per_s": imported["rows_per_s"],
        "queries_per_list_page": queries["list"],
        "queries_per_page": queries,
        "page_sql_ms": page_sql_ms,
        "pages": {name: {"finetracker": {k: v for k, v in loads.get(f"finetracker_{name}", {}).items() if k != "url"},
                         "datasette": {k: v for k, v in loads.get(f"datasette_{name}", {}).items() if k != "url"}}
                  for name in pages},
        "urls": {"finetracker": pages, "datasette": {k: v.removeprefix(datasette.base) if datasette else v
                                                     for k, v in datasette_pages.items()}},
        "datasette_list_p50_ms": load("datasette", "list", "p50_ms"),
        "datasette_deep_page_p50_ms": load("datasette", "deep", "p50_ms"),
        "export": exports.get("finetracker"),
        "datasette_export": exports.get("datasette"),
        "datasette_export_rows_per_s": exports.get("datasette", {}).get("rows_per_s"),
        "import_rows": imported["rows"],
        "import_rows_asked": args.import_rows,
        "import_budget_s": args.import_budget,
        "import_seconds": imported["seconds"],
        "import_calibration_rows_per_s": calibration["rows_per_s"],
        "generated": generated,
        "workers": args.workers,
        "connections": args.connections,
        "phase_seconds": timings,
        "problems": problems,
    })
    return result


def report(result: dict) -> None:
    def cell(value, width=9):
        return f"{'—' if value is None else value:>{width}}"

    pages = result["pages"]
    print()
    print(f"finetracker vs Datasette, {result['scale']:,} decisions; list of {result['country']} "
          f"({result['country_rows']:,} decisions) by -amount_eur; {result['duration_s']} s a page, "
          f"wrk -c{result['connections']} on CPU {LOAD_CPU}; gunicorn {result['workers']} workers")
    print(f"{'page':<10}{'ft req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'db ms':>8}  |"
          f"{'ds req/s':>9}{'p50 ms':>9}{'p95 ms':>9}  |{'ft/ds':>7}")
    for name, sides in pages.items():
        ft, ds = sides["finetracker"], sides["datasette"]
        ratio = round(ft["rps"] / ds["rps"], 2) if ft.get("rps") and ds.get("rps") else None
        note = "" if ft.get("status") == 200 else f"  finetracker {ft.get('status')}"
        note += "" if ds.get("status") == 200 else f"  datasette {ds.get('status')}"
        print(f"{name:<10}{cell(ft.get('rps'))}{cell(ft.get('p50_ms'))}{cell(ft.get('p95_ms'))}"
              f"{cell(result['queries_per_page'][name])}{cell(result['page_sql_ms'][name], 8)}  |"
              f"{cell(ds.get('rps'))}{cell(ds.get('p50_ms'))}"
              f"{cell(ds.get('p95_ms'))}  |{cell(ratio, 7)}{note}")
    print(f"One connection (no queueing), p50 ms: finetracker list {result['list_p50_ms_c1']}, deep "
          f"{result['deep_page_p50_ms_c1']}; Datasette list {result['datasette_list_p50_ms_c1']}, deep "
          f"{pages['deep']['datasette'].get('p50_ms_c1')}")
    print(f"(deep = page {result['deep_page']}, Datasette's by its keyset token; stats = Datasette's facets; "
          "queries and db ms: one test-client request, its queries' time in all)")
    print(f"SQL floor (psycopg2, p50): list rows {result['sql_floor_ms']} ms, deep page rows "
          f"{result['deep_sql_floor_ms']} ms, every query of the list page {result['list_page_sql_ms']} ms "
          f"(var/bench/list_page_queries.sql)")
    for side in ("export", "datasette_export"):
        e = result.get(side)
        if e:
            print(f"CSV export {'finetracker' if side == 'export' else 'Datasette':<11}: {e['rows']:,} rows in "
                  f"{e['seconds']} s = {e['rows_per_s']:,} rows/s, {e['megabytes']} MB; serving process RSS "
                  f"{e['rss_before_mb']} MB before, peak {e['peak_mb']} MB")
    print(f"CPU busy with other work while ours was idle: {result.get('machine_busy_pct_before')}% before the "
          f"load, {result.get('machine_busy_pct_after')}% after the exports")
    print(f"Interchange import (manage.py import_file): {result['import_rows']:,} rows in {result['import_seconds']} s "
          f"= {result['import_rows_per_s']} rows/s")
    print("Targets (the issue's, for SCALE=1,000,000):")
    for key, test, words in TARGETS:
        try:
            verdict = "met" if test(result) else "MISSED"
        except (TypeError, KeyError):
            verdict = "not measured"
        print(f"  {key:<26}{cell(result.get(key), 10)}  {words:<28}{verdict}")
    print("Seconds by phase: " + ", ".join(f"{k} {v}" for k, v in result["phase_seconds"].items()))
    for problem in result["problems"]:
        print(f"PROBLEM: {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL")
    parser.add_argument("--country", default="FR", help="the country the list, deep page and stats select")
    parser.add_argument("--deep-page", type=int, default=200, help="the deep page (or the last, if fewer)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument("--gunicorn-timeout", type=int, default=600, help="so that a long export is not cut")
    parser.add_argument("--export-limit", type=int, default=300,
                        help="seconds: a longer export is measured on the rows it sent until then")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--import-budget", type=int,
                        help="seconds (default 12 x DURATION): fewer rows are imported when a calibration says "
                             "--import-rows would take longer")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    args.import_budget = args.import_budget or 12 * args.duration
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops the servers
    started = time.perf_counter()
    try:
        result = run(args)
    except BenchError as error:
        sys.exit(f"bench: {error}")
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    report(result)
    print(f"Total {result['total_seconds']} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
