"""Inside Django: the queries each benchmarked page makes, read from a test-client request.

    python bench/probe.py /fines/?country=FR /fines/FT-12/ ...

Run by bench/run.py with the same environment as the server. Each path is requested twice (the first
warms per-process caches); the second is captured. Prints one JSON object: by path, its status, the
number of queries, their time in all (ms, as the page waited for them) and the SQL of each, as sent.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finetracker.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    pages = {}
    for path in sys.argv[1:]:
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
            if response.streaming:
                b"".join(response.streaming_content)
        pages[path] = {
            "status": response.status_code,
            "queries": len(captured.captured_queries),
            "sql_ms": round(sum(float(query["time"]) for query in captured.captured_queries) * 1000, 1),
            "sql": [query["sql"] for query in captured.captured_queries],
        }
    print(json.dumps(pages))


if __name__ == "__main__":
    main()
