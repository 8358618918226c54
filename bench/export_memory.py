"""Benchmark: do /fines/export.csv and /fines/export.json stream in flat memory at register scale?

Run from the project root:

    .venv/bin/python bench/export_memory.py                    # SQLite file var/bench/export_memory.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ft_bench .venv/bin/python bench/export_memory.py
    .venv/bin/python bench/export_memory.py --rows 20000       # a quicker run

100,000 rows take about ten minutes, most of it in the traced passes; `make test` does not run it.
It creates and migrates its own database: never the register's var/finetracker.sqlite3; a DATABASE_URL
database must exist (createdb) and be empty or hold only this benchmark's rows, which it replaces. It
bulk-creates synthetic decisions (seeded: a few authorities hold most of them, amounts log-normal, some
appeals), then streams each export through Django's test Client: all rows, and the oldest tenth
(date_to=...). Each export is measured in a fresh child process, so that ru_maxrss growth is the
export's own: rows/s without tracing, then tracemalloc's peak in a second pass. It prints a table, then
one JSON line. The export is flat in memory when the peak of all rows is about that of a tenth of them.
"""
from __future__ import annotations

import argparse
import datetime
import gc
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = ROOT / "var" / "bench" / "export_memory.sqlite3"
REGISTER_DATABASE = ROOT / "var" / "finetracker.sqlite3"
SOURCE = "bench"  # external_source of every synthetic decision, so a rerun knows its own rows
SEED = 20260525


def _environment(database_url: str) -> dict[str, str]:
    # The production shape: DEBUG off (no query log), a throwaway key, the test Client's host allowed.
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "testserver",
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "WARNING",
    }


def _django(database_url: str) -> None:
    os.environ.update(_environment(database_url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finetracker.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        DEFAULT_DATABASE.parent.mkdir(parents=True, exist_ok=True)
        DEFAULT_DATABASE.unlink(missing_ok=True)
        return f"sqlite:///{DEFAULT_DATABASE}"
    if url.startswith("sqlite:") and Path(url.split(":///", 1)[-1]).resolve() == REGISTER_DATABASE.resolve():
        sys.exit("Refusing to fill the register's own database with synthetic decisions; choose another.")
    return url


def _weighted(rng: random.Random, items: list, count: int, exponent: float = 1.3) -> list:
    """Zipf-like: the first items take most of the draws."""
    weights = [1 / (rank ** exponent) for rank in range(1, len(items) + 1)]
    return rng.choices(items, weights=weights, k=count)


def seed(rows: int) -> None:
    """Replace this benchmark's decisions with `rows` new synthetic ones."""
    from django.core.management import call_command
    from django.db import transaction

    from fines.models import AppealEvent, ArticleCitation, Authority, Decision, Organisation, Source
    from fines.names import name_key
    from fines.vocabularies import Sector, Status, ViolationType

    call_command("migrate", verbosity=0)
    if Decision.objects.exclude(external_source=SOURCE).exists():
        sys.exit("This database holds decisions that are not the benchmark's; point DATABASE_URL at a scratch one.")
    rng = random.Random(SEED)
    with transaction.atomic():
        Decision.objects.all().delete()
        Organisation.objects.filter(name__startswith="Bench ", parent__isnull=False).delete()
        Organisation.objects.filter(name__startswith="Bench ").delete()
        Authority.objects.filter(slug__startswith="bench-").delete()
        countries = ["FR", "ES", "IT", "DE", "IE", "NL", "LU", "PL", "SE", "NO", "GB", "AT", "BE", "DK", "FI",
                     "GR", "HU", "PT", "RO", "CZ"]
        currency = {"PL": ("PLN", "4.3"), "SE": ("SEK", "11.1"), "NO": ("NOK", "11.5"), "GB": ("GBP", "0.86"),
                    "DK": ("DKK", "7.46"), "HU": ("HUF", "390"), "RO": ("RON", "4.97"), "CZ": ("CZK", "25.2")}
        authorities = Authority.objects.bulk_create(
            Authority(slug=f"bench-{code.lower()}", short_name=f"DPA-{code}", name=f"Bench authority {code}",
                      country=code)
            for code in countries
        )
        groups = Organisation.objects.bulk_create(
            Organisation(name=f"Bench Group {n}", slug=f"bench-group-{n}", name_key=name_key(f"Bench Group {n}"))
            for n in range(1, 101)
        )
        organisations = Organisation.objects.bulk_create(
            Organisation(name=f"Bench Company {n}", slug=f"bench-company-{n}", name_key=name_key(f"Bench Company {n}"),
                         parent=rng.choice(groups) if n % 5 == 0 else None)
            for n in range(1, 5001)
        )
        sectors, violations = list(Sector.values), list(ViolationType.values)
        start, span = datetime.date(2018, 5, 25), (datetime.date(2025, 12, 31) - datetime.date(2018, 5, 25)).days
        for first in range(1, rows + 1, 5000):
            numbers = range(first, min(first + 5000, rows + 1))
            chosen_authorities = _weighted(rng, authorities, len(numbers))
            chosen_organisations = _weighted(rng, organisations, len(numbers), exponent=0.8)
            decisions = []
            for number, authority, organisation in zip(numbers, chosen_authorities, chosen_organisations, strict=True):
                code, rate = currency.get(authority.country, ("EUR", "1"))
                amount = Decimal(round(math.exp(rng.gauss(math.log(20_000), 2.2)), -2) or 100)
                appealed = rng.random() < 0.1
                decisions.append(Decision(
                    number=number, authority=authority, organisation=organisation,
                    decision_date=start + datetime.timedelta(days=rng.randrange(span)),
                    amount=amount, currency=code, amount_eur=(amount / Decimal(rate)).quantize(Decimal("0.01")),
                    eur_rate=Decimal(rate), current_amount=amount,
                    status=Status.APPEALED if appealed else rng.choice([Status.IMPOSED, Status.IMPOSED, Status.FINAL]),
                    sector=rng.choice(sectors), violation_type=rng.choice(violations),
                    case_number=f"{authority.country}-{number}",
                    summary=f"Synthetic decision {number}: the authority found failures under several provisions.",
                    external_source=SOURCE, external_id=str(number),
                ))
            decisions = Decision.objects.bulk_create(decisions)
            ArticleCitation.objects.bulk_create(
                ArticleCitation(decision=decision, article_id=article, provision=str(article))
                for decision in decisions
                for article in rng.sample([5, 6, 12, 13, 15, 17, 21, 25, 32, 33, 35], rng.randint(1, 3))
            )
            Source.objects.bulk_create(
                Source(decision=decision, url=f"https://example.org/{SOURCE}/{decision.number}/{n}",
                       title="Press release", language="en")
                for decision in decisions
                for n in range(rng.randint(1, 2))
            )
            AppealEvent.objects.bulk_create(
                AppealEvent(decision=decision, date=decision.decision_date + datetime.timedelta(days=60),
                            body="Administrative court", outcome="lodged")
                for decision in decisions
                if decision.status == Status.APPEALED
            )


def tenth_query() -> str:
    """A filter selecting the oldest tenth of the decisions."""
    from fines.models import Decision

    count = Decision.objects.count()
    date = Decision.objects.order_by("decision_date").values_list("decision_date", flat=True)[count // 10]
    return f"date_to={date.isoformat()}"


def measure(path: str) -> dict[str, float]:
    """In a fresh process: stream one export untraced (time, maxrss growth), then traced (peak)."""
    from django.test import Client

    client = Client()
    b"".join(client.get("/fines/export.csv?year=1995").streaming_content)  # imports and caches, not the export's
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = rows = 0
    for chunk in client.get(path).streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    # A line a decision (the synthetic summaries have no line breaks), less the CSV header or the JSON brackets.
    rows -= 2 if ".json" in path else 1
    gc.collect()
    tracemalloc.start()
    for _ in client.get(path).streaming_content:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "rows": rows, "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds),
        "megabytes": round(size / 2**20, 1), "tracemalloc_peak_mb": round(peak / 2**20, 2),
        "maxrss_growth_mb": round(rss_growth / 1024, 1),  # Linux reports ru_maxrss in KiB
    }


def _child(database_url: str, *arguments: str) -> dict:
    """Run this script with `arguments` in a fresh process and return the JSON line it prints."""
    child = subprocess.run(
        [sys.executable, __file__, *arguments], env=_environment(database_url),
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    # Internal: what a child process does. The parent stays small and without Django, because a child
    # starts with its parent's ru_maxrss, which would hide the export's own growth.
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed or args.measure:
        _django(os.environ["DATABASE_URL"])
        from django.db import connection

        if args.seed:
            started = time.perf_counter()
            seed(args.rows)
            print(json.dumps({"seconds": round(time.perf_counter() - started), "tenth": tenth_query(),
                              "database": connection.vendor}))
        else:
            print(json.dumps(measure(args.measure)))
        return

    database_url = _database_url()
    seeded = _child(database_url, "--seed", "--rows", str(args.rows))
    tenth = seeded["tenth"]
    results = {
        label: _child(database_url, "--measure", path)
        for label, path in [
            ("csv, all", "/fines/export.csv"), (f"csv, {tenth}", f"/fines/export.csv?{tenth}"),
            ("json, all", "/fines/export.json"), (f"json, {tenth}", f"/fines/export.json?{tenth}"),
        ]
    }

    print(f"{seeded['database']}, {args.rows} synthetic decisions seeded in {seeded['seconds']} s")
    print(f"{'export':<28} {'rows':>7} {'s':>6} {'rows/s':>8} {'MB out':>7} {'peak MB':>8} {'maxrss +MB':>10}")
    for label, r in results.items():
        print(f"{label:<28} {r['rows']:>7} {r['seconds']:>6} {r['rows_per_second']:>8} {r['megabytes']:>7} "
              f"{r['tracemalloc_peak_mb']:>8} {r['maxrss_growth_mb']:>10}")
    peak = {label: r["tracemalloc_peak_mb"] for label, r in results.items()}
    ratios = {kind: round(peak[f"{kind}, all"] / peak[f"{kind}, {tenth}"], 2) for kind in ("csv", "json")}
    print(f"peak of all rows / peak of a tenth: csv {ratios['csv']}, json {ratios['json']} (flat is about 1)")
    print(json.dumps({"database": seeded["database"], "rows": args.rows, "results": results, "peak_ratio": ratios}))


if __name__ == "__main__":
    main()
