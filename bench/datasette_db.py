"""The benchmark's rows as a Datasette user would publish them: one SQLite table, one row a decision.

Read from the benchmark's PostgreSQL database (the published decisions, with their authority, country,
organisation, group and articles spelled out) and written to a new SQLite file, with indexes on what the
list filters and sorts by, and ANALYZE so that SQLite's planner uses them.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import psycopg2

TABLE = "decisions"
COLUMNS = (
    "number INTEGER PRIMARY KEY", "reference TEXT", "decision_date TEXT", "date_precision TEXT",
    "authority TEXT", "authority_name TEXT", "country TEXT", "organisation TEXT", '"group" TEXT',
    "amount REAL", "currency TEXT", "amount_eur REAL", "eur_rate REAL", "current_amount REAL",
    "current_amount_eur REAL", "status TEXT", "legal_basis TEXT", "violation_type TEXT", "sector TEXT",
    "case_number TEXT", "summary TEXT", "articles TEXT",
)
# What the list filters and sorts by, alone and in the combination the benchmark asks for.
INDEXES = {
    "country": ("country",), "amount_eur": ("amount_eur",), "decision_date": ("decision_date",),
    "country_amount_eur": ("country", "amount_eur"), "authority": ("authority",),
    "organisation": ("organisation",), "status": ("status",),
}
QUERY = """
    SELECT d.number, 'FT-' || d.number, d.decision_date::text, d.date_precision,
           a.short_name, a.name, a.country, o.name, p.name,
           d.amount::float8, d.currency, d.amount_eur::float8, d.eur_rate::float8, d.current_amount::float8,
           d.current_amount_eur::float8, d.status, d.legal_basis, d.violation_type, d.sector, d.case_number,
           d.summary, c.articles
    FROM fines_decision d
    JOIN fines_authority a ON a.id = d.authority_id
    JOIN fines_organisation o ON o.id = d.organisation_id
    LEFT JOIN fines_organisation p ON p.id = o.parent_id
    LEFT JOIN (
        SELECT decision_id, string_agg(provision, ';' ORDER BY provision) AS articles
        FROM fines_articlecitation GROUP BY decision_id
    ) c ON c.decision_id = d.id
    WHERE d.is_published
    ORDER BY d.number
"""


def sqlite_publish(*, dsn: str, path: Path) -> dict:
    """Write the published decisions of `dsn` to a new SQLite file at `path`; return counts and seconds."""
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    target = sqlite3.connect(path)
    target.execute("PRAGMA journal_mode = OFF")
    target.execute("PRAGMA synchronous = OFF")
    target.execute(f"CREATE TABLE {TABLE} ({', '.join(COLUMNS)})")
    insert = f"INSERT INTO {TABLE} VALUES ({', '.join('?' * len(COLUMNS))})"
    rows = 0
    with psycopg2.connect(dsn) as source:
        with source.cursor(name="bench_sqlite_publish") as cursor:
            cursor.itersize = 20_000
            cursor.execute(QUERY)
            while batch := cursor.fetchmany(20_000):
                target.executemany(insert, batch)
                rows += len(batch)
    source.close()
    for name, columns in INDEXES.items():
        target.execute(f"CREATE INDEX {TABLE}_{name} ON {TABLE} ({', '.join(columns)})")
    target.execute("ANALYZE")
    target.commit()
    target.close()
    seconds = round(time.perf_counter() - started, 1)
    return {"rows": rows, "seconds": seconds, "megabytes": round(path.stat().st_size / 2**20)}
