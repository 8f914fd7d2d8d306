"""Helpers for tests that press Ctrl-C on a child process."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def sigint_as_in_a_terminal() -> None:
    """`preexec_fn` that gives the child SIGINT's default action, as a terminal's foreground job has.

    A job started in the background by a non-interactive shell (a CI script run with `&` or under nohup) inherits
    SIGINT *ignored*; Python then never raises KeyboardInterrupt and the Ctrl-C under test would do nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def ctrl_c_when(cmd: list[str], ready: Callable[[], bool], *, cwd: Path, env: dict[str, str] | None = None,
                ready_timeout_s: float = 120, exit_timeout_s: float = 60) -> tuple[int, str]:
    """Run `cmd` in a process group of its own, send SIGINT to the whole group (as Ctrl-C does) once `ready()`
    holds, and return (exit status, stderr). A child still running `exit_timeout_s` later is killed."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, text=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, preexec_fn=sigint_as_in_a_terminal)
    deadline = time.monotonic() + ready_timeout_s
    while time.monotonic() < deadline and not ready():
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=exit_timeout_s)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return proc.returncode, stderr
