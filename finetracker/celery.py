"""The Celery app: workers import new cases from public sources (tasks live in fines/tasks.py)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finetracker.settings")

app = Celery("finetracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folders(sender: Celery, **kwargs) -> None:
    """The serverless broker (no REDIS_URL) keeps its messages in folders that must exist."""
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if folder := sender.conf.broker_transport_options.get(key):
            os.makedirs(folder, exist_ok=True)
