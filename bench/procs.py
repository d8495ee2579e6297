"""The processes a bench run starts, and the guarantee that it stops every one of them.

Each process gets a session of its own (so gunicorn's workers go with their master) and a log file;
stopping is SIGINT to that process group, then SIGKILL after a grace period, in reverse start
order, whatever happened in between (an error, Ctrl-C, a dead child).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class BenchError(RuntimeError):
    """A process did not start, or died: the message says which and ends with its log."""


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the OS picks it; taken again within milliseconds)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    def __init__(self, log_dir: Path, grace_seconds: float = 5.0):
        self.log_dir, self.grace = Path(log_dir), grace_seconds
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._started: list[tuple[str, subprocess.Popen, Path]] = []

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()

    def start(self, name: str, argv: list[str], *, env: dict, cwd: Path) -> subprocess.Popen:
        log = self.log_dir / f"{name}.log"
        with open(log, "ab") as out:
            process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self._started.append((name, process, log))
        return process

    def run(self, name: str, argv: list[str], *, env: dict, cwd: Path, timeout: float) -> None:
        """Run a one-off command to its end (killed on timeout or Ctrl-C); raise if it fails."""
        log = self.log_dir / f"{name}.log"
        with open(log, "ab") as out:
            done = subprocess.run(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, timeout=timeout, check=False)
        if done.returncode != 0:
            raise BenchError(f"{name} exited with {done.returncode}:\n{self.log_tail(name)}")

    def pid(self, name: str) -> int:
        """The process id of the first process started under `name` (to read its /proc entry)."""
        return next(process.pid for started, process, _log in self._started if started == name)

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.log_dir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        for name, process, _log in self._started:
            if process.poll() is not None:
                raise BenchError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL one started process and its group, as a crash would, and stop watching it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        self._started = [entry for entry in self._started if entry[1] is not process]

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far (user + system) by each started process and its group (gunicorn's
        workers are in their master's), and by the machine's PostgreSQL server processes (the
        database's share of the work, which no started process shows): from /proc; {} elsewhere."""
        by_group: dict[int, float] = {}
        postgres = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                head, fields = stat.read_text().rsplit(")", 1)
                fields = fields.split()
            except (OSError, ValueError):
                continue  # gone meanwhile
            used = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime (12), stime (13)
            if head.endswith("(postgres"):
                postgres += used
            group = int(fields[2])  # after the name: state, ppid, pgrp, …
            by_group[group] = by_group.get(group, 0.0) + used
        used = {name: by_group.get(process.pid, 0.0) for name, process, _log in self._started}
        return {**used, "postgres": postgres} if postgres else used

    def stop_all(self) -> None:
        while self._started:
            _name, process, _log = self._started.pop()
            _stop(process, self.grace)


def _stop(process: subprocess.Popen, grace: float) -> None:
    """SIGINT (gunicorn's quick shutdown, KeyboardInterrupt for the rest), then SIGKILL."""
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)  # its own session: the group id is its pid
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # The leader is gone; a straggler left in its group (a gunicorn worker) goes too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def stop_on_sigterm() -> None:
    """SIGTERM ends a bench like Ctrl-C does, so every process it started is stopped on the way out."""
    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def wait_until(ready, *, timeout: float, processes: Processes, what: str, poll: float = 0.1) -> None:
    """Poll `ready()` until true; fail early if a started process died, or after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check_alive()
        if ready():
            return
        time.sleep(poll)
    raise BenchError(f"{what} was not ready after {timeout:.0f} s")


def answers(url: str, timeout: float = 2.0) -> bool:
    """True once `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_idle(url: str, *, timeout: float, quick: float = 0.5) -> float:
    """Wait until `url` answers 200 within `quick` seconds; returns how long that took.

    A server's listen queue is first come, first served: requests a load gave up on are still
    handled, in order, before anything newer. A quick answer means that queue has drained, so the
    next load does not pay for the last one. Gives up (returns the time waited) after `timeout`.
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        asked = time.monotonic()
        if answers(url) and time.monotonic() - asked < quick:
            break
        time.sleep(0.2)
    return time.monotonic() - started
