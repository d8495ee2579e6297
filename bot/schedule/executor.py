"""APScheduler's thread pool, made to call each job as job(runtime, now).

The job store keeps only a job's "module:function" reference (a runtime cannot be pickled), so the
executor supplies the runtime and the time at each run.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor


class RuntimeExecutor(ThreadPoolExecutor):
    """Runs each job as job(runtime, now), `now` read from `clock` when the run starts."""

    def __init__(self, runtime, clock: Callable[[], datetime]):
        super().__init__()
        self._runtime, self._clock = runtime, clock

    def _do_submit_job(self, job, run_times):
        # A copy for this run only: the scheduler writes the original back to the job store.
        bound = copy.copy(job)
        bound._jobstore_alias = job._jobstore_alias
        bound.func = functools.partial(self._call, job.func)
        super()._do_submit_job(bound, run_times)

    def _call(self, func, *_stored_args):
        # The stored args are RUN_ARGS (or nothing, in rows stored before they existed).
        return func(self._runtime, self._clock())
