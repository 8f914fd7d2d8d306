"""Run one untrusted simulator command contained: own folder, own process group, rlimits, caps.

Every simulation in the project goes through `run_sandboxed`. The child gets its own session (so the whole
process group can be killed with one `os.killpg`, never by name), address-space / file-size / CPU-time
rlimits set before exec, and a merged stdout+stderr pipe that is read incrementally: output beyond
`max_output_bytes` kills the group instead of filling memory. Where util-linux `setpriv` exists the
simulator also gets SIGKILL as its parent-death signal, so a run killed from outside (SIGKILL, OOM killer)
does not leave it simulating on until its CPU rlimit. Inside those caps the command runs jailed by the operating
system (`sim.isolation`): bubblewrap namespaces, an unprivileged user, and a file system where only its own run
folder (or a private tmpfs in its place) can be written.
"""
from __future__ import annotations

import os
import resource
import select
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from sim.isolation import Jail, bwrap_argv, prepare_writable

TRUNCATION_MARKER = "\n...[output truncated: cap of {cap} bytes reached, process group killed]\n"


@dataclass(frozen=True)
class SandboxResult:
    """What a contained command did.

    returncode: exit status, negative for a signal, None when it had to be killed.
    output: stdout and stderr merged, truncated to the cap with a marker.
    """

    returncode: int | None
    output: str
    timed_out: bool
    output_capped: bool
    seconds: float


def _limits(memory_mb: int, max_file_mb: int, cpu_s: int):
    """Build the preexec hook: rlimits apply to the simulator and everything it spawns."""

    def apply() -> None:
        mem = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        fsize = max_file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crashing simulator must not drop core files

    return apply


_PRLIMIT = shutil.which("prlimit")
_SETPRIV = shutil.which("setpriv")


def _limited(cmd: list[str], memory_mb: int, max_file_mb: int, cpu_s: int) -> tuple[list[str], object]:
    """Command and preexec hook applying the rlimits.

    util-linux `prlimit` sets them in a tiny exec wrapper, which keeps subprocess on its fast spawn path
    (a Python `preexec_fn` forces a full fork and costs about 10 ms per simulation); without it, fall back
    to setting them in `preexec_fn`.
    """
    # The parent-death signal survives the execs of setpriv -> prlimit -> simulator. Linux sends it when the
    # *thread* that spawned the child ends; run_sandboxed's caller waits for the child in that same thread,
    # so it fires only when the whole process is gone.
    death = [_SETPRIV, "--pdeathsig", "KILL", "--"] if _SETPRIV else []
    if _PRLIMIT is None:
        return death + cmd, _limits(memory_mb, max_file_mb, cpu_s)
    mem, fsize = memory_mb * 1024 * 1024, max_file_mb * 1024 * 1024
    return [*death, _PRLIMIT, f"--as={mem}:{mem}", f"--fsize={fsize}:{fsize}", f"--cpu={cpu_s}:{cpu_s + 1}",
            "--core=0:0", "--", *cmd], None


def _wait_exit(proc: subprocess.Popen, deadline: float) -> bool:
    """True once the process has exited (by the deadline), False at the deadline.

    Waits on a pidfd when the kernel has them: Popen.wait(timeout) polls with sleeps, which adds
    milliseconds to every simulation. The pidfd path leaves the leader unreaped: a zombie keeps its pid, so
    the group can still be killed by that id without any chance that the id now names another process.
    """
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            return True
        except subprocess.TimeoutExpired:
            return False
    try:
        ready, _, _ = select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))
        return bool(ready)
    finally:
        os.close(pidfd)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_sandboxed(
    cmd: list[str],
    cwd: Path,
    timeout_s: float,
    memory_mb: int = 2048,
    max_output_bytes: int = 1_000_000,
    max_file_mb: int = 64,
    env: dict[str, str] | None = None,
    *,
    writable: bool = True,
    readable: Sequence[Path] = (),
    isolation: str = "auto",
    tools: Sequence[Path] = (),
) -> SandboxResult:
    """Run `cmd` in `cwd` contained; kill its whole process group on timeout or output overflow.

    isolation "auto" jails the command (`sim.isolation`): `writable=True` lets it write `cwd` (compile steps),
    `writable=False` gives it a private tmpfs of `max_file_mb` at `cwd` holding read-only binds of what `cwd`
    holds (steps that run candidate code); `readable` adds host paths it may read, `tools` the files of a simulator
    build installed outside /usr (`sim.icarus.Icarus.jail_paths`). "none" runs it unjailed
    (the caller has warned). The child's temporary-file variables point at `cwd`: iverilog's driver writes its
    preprocessed source to `$TMPDIR/ivrlg*` and only removes it when it exits normally, so a killed compile would
    otherwise leave files in the machine's /tmp. In `cwd` they go when the simulation folder does.
    """
    start = time.monotonic()
    cwd = Path(cwd).resolve()
    child_env = dict(env if env is not None else os.environ)
    for name in ("TMPDIR", "TMP", "TEMP", "HOME"):
        child_env[name] = str(cwd)
    if isolation != "none":
        if writable:
            prepare_writable(cwd)  # this folder only: a folder the harness makes inside it uses writable_dir()
        jail = Jail(cwd, writable=writable, readable=tuple(readable), quota_mb=max_file_mb, tools=tuple(tools))
        cmd = [*bwrap_argv(jail), *cmd]
    # CPU limit is a backstop for children that escape the wall clock (e.g. a detached grandchild).
    cpu_s = max(1, int(timeout_s) + 2)
    argv, preexec = _limited(cmd, memory_mb, max_file_mb, cpu_s)
    proc = subprocess.Popen(
        argv,
        cwd=str(cwd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=preexec,
        env=child_env,
    )
    chunks: list[bytes] = []
    size = 0
    timed_out = capped = False
    sel = selectors.DefaultSelector()
    assert proc.stdout is not None
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = start + timeout_s
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            if not sel.select(timeout=min(remaining, 0.5)):
                continue
            data = os.read(proc.stdout.fileno(), 65536)
            if not data:  # EOF: every writer of the pipe is gone
                break
            take = data[: max(0, max_output_bytes - size)]
            chunks.append(take)
            size += len(take)
            if len(take) < len(data):
                capped = True
                break
    except BaseException:  # interrupted (Ctrl-C, worker shutdown): never leave the simulator running
        _kill_group(proc)
        proc.wait()
        raise
    finally:
        sel.close()
        if timed_out or capped:
            _kill_group(proc)
        elif not _wait_exit(proc, deadline):
            # pipe closed but the leader is still running (it closed its stdout): treat as a timeout
            timed_out = True
        # Stray group members that outlived the leader (they cannot hold the pipe any more) go too; the leader
        # is not reaped yet, so its id still names this group.
        _kill_group(proc)
        returncode = proc.wait()
        proc.stdout.close()
    output = b"".join(chunks).decode("utf-8", errors="replace")
    if capped:
        output += TRUNCATION_MARKER.format(cap=max_output_bytes)
    return SandboxResult(
        returncode=None if (timed_out or capped) else returncode,
        output=output,
        timed_out=timed_out,
        output_capped=capped,
        seconds=time.monotonic() - start,
    )


class SimDir:
    """A fresh temporary folder for one simulation, removed on exit.

    >>> with SimDir() as d:
    ...     (d / "x").write_text("1")
    1
    """

    def __init__(self, prefix: str = "sim_", base: Path | None = None) -> None:
        self.prefix = prefix
        self.base = base
        self.path: Path | None = None

    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix=self.prefix, dir=self.base))
        return self.path

    def __exit__(self, *exc) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
