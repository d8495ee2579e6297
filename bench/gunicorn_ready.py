"""A gunicorn settings file for the bench that changes no setting: it only tells the bench when each
worker has loaded the app (gunicorn's own log says "Booting worker" before the app is imported),
so no measured request waits for a worker still starting."""

import os
from pathlib import Path


def post_worker_init(worker) -> None:
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        Path(ready, str(worker.pid)).touch()
