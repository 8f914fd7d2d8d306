"""Running run.py as a user does, for the tests: a subprocess in the repository, offline, with its exit status,
its console (stdout + stderr) and, when a run folder is given, its run.log."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


@dataclass(frozen=True)
class Finished:
    """What a command left: exit status, what it printed (stdout then stderr)."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def console(self) -> str:
        return self.stdout + self.stderr


def run_command(argv: list[str], env: dict[str, str] | None = None, timeout: int = 600,
                drop_env: tuple[str, ...] = (), merge: bool = False) -> Finished:
    """Run `argv` (its first word `python` means this interpreter) from the repository root.

    merge: stderr into stdout, interleaved as a terminal shows them (`stderr` is then empty).
    """
    full_env = {k: v for k, v in os.environ.items() if k not in drop_env}
    full_env.update(OFFLINE)
    full_env.update(env or {})
    if argv[0] in ("python", ".venv/bin/python"):
        argv = [sys.executable, *argv[1:]]
    proc = subprocess.run(argv, cwd=REPO, env=full_env, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT if merge else subprocess.PIPE, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    return Finished(proc.returncode, proc.stdout, proc.stderr or "")


def run_py(*overrides: str, **kwargs) -> Finished:
    """`python run.py OVERRIDES...`."""
    return run_command(["python", "run.py", *overrides], **kwargs)
