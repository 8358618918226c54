"""The import task in a real Celery worker process, against the test database.

Each test starts `celery worker` (prefork, one child: the production pool, the one that enforces time
limits) as a subprocess with its own environment: DATABASE_URL names the test database, and the broker
is one of its own that a developer's `make run` never reads (a Redis database kept for these tests, or
a filesystem broker in a temporary folder), on a queue named for the test. Sources are served by an
http.server in the test. The data must be committed for the worker to see it, hence transactional_db;
on SQLite that needs the file test database that settings gives the tests.

Test runs at the same time share that Redis database, kept apart by their queue names; a worker gives
itself only tasks left unacknowledged for longer than its visibility timeout (20 s at the least here).
"""
from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.models import Count

from fines.models import Decision, ImportRun, ImportSource
from fines.tasks import import_source
from fines.vocabularies import ImportFormat, RunStatus
from finetracker.celery import app

from .conftest import skip_or_fail

WAIT_SECONDS = 60
# Redis's last default database: the test workers' broker, never the REDIS_URL a developer runs with.
WORKER_REDIS_DB = 15


@dataclass
class Broker:
    """A broker for the test workers: what the test sends with, and what the worker is started with."""

    url: str
    transport_options: dict = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    queue: str = field(default_factory=lambda: f"test-worker-{uuid.uuid4().hex[:12]}")

    def send(self, *args, **options) -> str:
        """Enqueue import_source(*args) on this broker (not the settings' one); the task id."""
        with app.connection_for_write(self.url, transport_options=self.transport_options) as broker:
            return import_source.apply_async(args=args, connection=broker, queue=self.queue, **options).id

    def clean(self) -> None:
        """Remove what the test left in Redis: its queue's keys, and any task a killed worker held."""
        if not self.url.startswith("redis"):
            return  # a filesystem broker lives in the test's temporary folder
        client = redis.Redis.from_url(self.url)
        for key in client.scan_iter(match=f"*{self.queue}*"):
            client.delete(key)
        for tag, message in client.hscan_iter("unacked"):
            if self.queue.encode() in message:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


def _redis_broker() -> Broker:
    server = urlsplit(settings.REDIS_URL or "redis://127.0.0.1:6379/0")
    db = WORKER_REDIS_DB if server.path.strip("/") != str(WORKER_REDIS_DB) else WORKER_REDIS_DB - 1
    url = urlunsplit(server._replace(path=f"/{db}"))
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis at {server.hostname}:{server.port or 6379} cannot be reached ({error})")
    return Broker(url=url, env={"REDIS_URL": url})


def _filesystem_broker(folder: Path) -> Broker:
    for name in ("queue", "processed"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
    }
    return Broker(url="filesystem://", transport_options=options, env={"REDIS_URL": "", "BROKER_DIR": str(folder)})


def _database_url() -> str:
    """The test database as a DATABASE_URL for the worker; only a database on disk or a server is shared."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        if connection.is_in_memory_db():
            skip_or_fail("the SQLite test database is in memory, where no worker can see it")
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        login = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
        return f"postgres://{login}@{db['HOST']}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"
    skip_or_fail(f"no worker test for the {db['ENGINE']} backend")


class Worker:
    """A `celery worker` in a process group of its own, so that a kill reaches its pool's child too."""

    def __init__(self, *, broker: Broker, log: Path, env: dict[str, str]):
        self.log = log
        command = [
            sys.executable, "-m", "celery", "-A", "finetracker", "worker", "--pool=prefork", "--concurrency=1",
            "--loglevel=INFO", f"--queues={broker.queue}", f"--hostname={broker.queue}-{log.stem}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]
        environment = {
            **os.environ, "DATABASE_URL": _database_url(), "CONN_MAX_AGE": "0", "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "finetracker.settings", **broker.env, **env,
        }
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=environment, stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once, as a machine that loses power would."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    def report(self) -> str:
        """The worker's log, headed with its name and exit status."""
        return f"--- {self.log.name} (exit status {self.process.poll()}) ---\n{self.log.read_text(errors='replace')}"


@pytest.fixture
def start_worker(transactional_db, tmp_path) -> Iterator[Callable[..., Worker]]:
    """start_worker(broker, **env) -> Worker; every worker is stopped after the test, failed or not."""
    workers: list[Worker] = []
    brokers: list[Broker] = []

    def start(broker: Broker, **env: str) -> Worker:
        worker = Worker(broker=broker, log=tmp_path / f"worker-{len(workers) + 1}.log", env=env)
        workers.append(worker)
        brokers.append(broker)
        return worker

    yield start
    for worker in workers:
        worker.kill()  # the tests need no warm shutdown, which takes seconds even for an idle worker
        print(worker.report())  # pytest shows it for a failing test only
    for broker in {id(broker): broker for broker in brokers}.values():
        broker.clean()


@pytest.fixture
def broker(tmp_path) -> Broker:
    """The kind of broker the suite runs with: Redis when REDIS_URL is set, otherwise the filesystem one."""
    return _redis_broker() if settings.REDIS_URL else _filesystem_broker(tmp_path / "broker")


@pytest.fixture
def redis_broker() -> Broker:
    return _redis_broker()


@pytest.fixture
def serve() -> Iterator[Callable[[bytes], str]]:
    """serve(body) -> the URL of a local HTTP server that answers it."""
    servers = []

    def start(body: bytes) -> str:
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}/decisions.json"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def wait_for(condition: Callable[[], bool], what: str, workers: list[Worker], seconds: float = WAIT_SECONDS) -> None:
    """Poll the database until condition() holds; failing that, fail with the workers' logs."""
    deadline = time.monotonic() + seconds
    while not condition():
        if all(worker.process.poll() is not None for worker in workers):
            reason = "the worker stopped"
            break
        if time.monotonic() > deadline:
            reason = f"not within {seconds:g} s"
            break
        time.sleep(0.1)
    else:
        return
    pytest.fail(f"{what}: {reason}.\n" + "\n".join(worker.report() for worker in workers))


def decisions_document(rows: int) -> bytes:
    """Interchange JSON with `rows` distinct CNIL decisions (external ids bulk-1 ... bulk-N)."""
    return json.dumps({"decisions": [
        {"external_source": "bulk", "external_id": f"bulk-{n}", "authority": "cnil", "country": "FR",
         "organisation": f"Organisation {n % 40}", "decision_date": f"{2019 + n % 6}-{1 + n % 12:02d}-{1 + n % 28:02d}",
         "amount": str(1000 + n), "currency": "EUR"}
        for n in range(1, rows + 1)
    ]}).encode()


@pytest.fixture
def make_source(transactional_db, make_authority, serve) -> Callable[[bytes], ImportSource]:
    make_authority("cnil", "CNIL", "FR")

    def make(body: bytes) -> ImportSource:
        return ImportSource.objects.create(
            name="bulk", title="Bulk", format=ImportFormat.INTERCHANGE_JSON, url=serve(body)
        )

    return make


def _finished(source: ImportSource) -> Callable[[], bool]:
    return lambda: ImportRun.objects.filter(source=source).exclude(status=RunStatus.RUNNING).exists()


def test_a_worker_process_imports_an_enqueued_source(start_worker, broker, make_source):
    source = make_source(decisions_document(3))
    worker = start_worker(broker)
    task_id = broker.send(source.pk)
    wait_for(_finished(source), "the import run to finish", [worker])
    run = ImportRun.objects.get(source=source)
    assert (run.status, run.created, run.failed, run.task_id) == (RunStatus.SUCCEEDED, 3, 0, task_id)
    assert sorted(Decision.objects.values_list("external_id", flat=True)) == ["bulk-1", "bulk-2", "bulk-3"]
    assert Decision.objects.get(external_id="bulk-2").amount == 1002


def test_an_import_past_its_soft_time_limit_is_failed_and_frees_the_source(start_worker, broker, make_source):
    rows = 3000
    source = make_source(decisions_document(rows))
    worker = start_worker(broker)
    broker.send(source.pk, soft_time_limit=1, time_limit=30)
    wait_for(_finished(source), "the stopped run to be finished", [worker])
    run = ImportRun.objects.get(source=source)
    assert run.status == RunStatus.FAILED
    assert "stopped by the time limit" in run.error and f"of {rows} rows" in run.error
    assert Decision.objects.count() < rows
    assert not ImportRun.objects.filter(source=source, status=RunStatus.RUNNING).exists()  # the lock is free


def test_a_task_whose_worker_was_killed_is_delivered_again_and_finished_once(start_worker, redis_broker, make_source):
    rows = 1000
    source = make_source(decisions_document(rows))
    first = start_worker(redis_broker)
    task_id = redis_broker.send(source.pk)
    wait_for(
        lambda: ImportRun.objects.filter(source=source, status=RunStatus.RUNNING, done__gt=0).exists(),
        "the first run to show progress", [first],
    )
    first.kill()
    abandoned = ImportRun.objects.get(source=source)
    assert abandoned.status == RunStatus.RUNNING and 0 < abandoned.done < rows, "killed too late to test anything"

    # The new worker gives the dead one's task to itself once the visibility timeout has passed, and takes
    # over the run once it has been silent for 5 s. Both short here, to keep the test short. If the run
    # takes longer than the visibility timeout (a slow machine), the task is given out once more while it
    # runs: that delivery sees a live run of its own task and waits, so there are still only two runs.
    visibility_timeout = 20
    second = start_worker(
        redis_broker, CELERY_VISIBILITY_TIMEOUT=str(visibility_timeout), FINES_IMPORT_TAKEOVER_SECONDS="5"
    )
    started = time.monotonic()
    wait_for(
        lambda: ImportRun.objects.filter(source=source, status=RunStatus.SUCCEEDED).exists(),
        "the task to be delivered again and its run to succeed", [second], seconds=visibility_timeout + WAIT_SECONDS,
    )
    abandoned.refresh_from_db()
    finished = ImportRun.objects.get(source=source, status=RunStatus.SUCCEEDED)
    took = (finished.finished_at - finished.started_at).total_seconds()
    print(f"delivered again and finished {time.monotonic() - started:.1f} s after the second worker started")
    assert (abandoned.status, abandoned.task_id, finished.task_id) == (RunStatus.FAILED, task_id, task_id)
    assert "abandoned" in abandoned.error
    assert finished.created + finished.unchanged == rows and finished.unchanged >= abandoned.done
    assert Decision.objects.filter(external_source="bulk").count() == rows
    assert not Decision.objects.values("external_id").annotate(copies=Count("id")).filter(copies__gt=1).exists()
    assert ImportRun.objects.filter(source=source).count() == 2, f"the second run took {took:.1f} s"
