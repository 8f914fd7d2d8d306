"""run_sandboxed: timeouts kill the whole group, output is capped while streaming, rlimits apply."""
from __future__ import annotations

import os
import sys
import time

from sim.sandbox import SimDir, run_sandboxed


def test_plain_command_returns_output_and_status(tmp_path):
    r = run_sandboxed(["sh", "-c", "echo hi; echo err >&2; exit 3"], tmp_path, timeout_s=5)
    assert r.returncode == 3 and "hi" in r.output and "err" in r.output
    assert not r.timed_out and not r.output_capped


def test_timeout_kills_the_whole_process_group(tmp_path):
    pidfile = tmp_path / "child.pid"
    # the grandchild writes its pid and sleeps; killing only the shell would leave it running
    r = run_sandboxed(["sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"], tmp_path, timeout_s=0.5)
    assert r.timed_out and r.returncode is None and r.seconds < 5
    pid = int(pidfile.read_text())
    time.sleep(0.2)
    try:
        os.kill(pid, 0)
        alive = open(f"/proc/{pid}/stat").read().split()[2] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        alive = False
    assert not alive, "grandchild outlived the timeout"


def test_endless_output_is_capped_not_buffered(tmp_path):
    start = time.monotonic()
    r = run_sandboxed(["yes", "spam"], tmp_path, timeout_s=10, max_output_bytes=50_000)
    assert r.output_capped and r.returncode is None
    assert len(r.output) < 50_000 + 200 and "output truncated" in r.output
    assert time.monotonic() - start < 5


def test_memory_limit_stops_a_hog(tmp_path):
    hog = "x = bytearray(1_500_000_000); print('allocated')"
    r = run_sandboxed([sys.executable, "-c", hog], tmp_path, timeout_s=20, memory_mb=512)
    assert "allocated" not in r.output and r.returncode != 0


def test_file_size_limit(tmp_path):
    r = run_sandboxed(["sh", "-c", "head -c 5000000 /dev/zero > big.bin"], tmp_path, timeout_s=10, max_file_mb=1)
    assert r.returncode != 0
    assert (tmp_path / "big.bin").stat().st_size <= 1024 * 1024


def test_simdir_is_fresh_and_removed():
    with SimDir() as d:
        assert d.is_dir() and not any(d.iterdir())
        (d / "f").write_text("x")
    assert not d.exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return open(f"/proc/{pid}/stat").read().split()[2] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def test_a_simulation_dies_with_a_parent_killed_from_outside(tmp_path):
    import shutil
    import signal
    import subprocess

    assert shutil.which("setpriv"), "the parent-death signal needs util-linux setpriv (apt-get install util-linux)"
    pidfile = tmp_path / "sim.pid"
    parent = subprocess.Popen([sys.executable, "-c", (
        "import pathlib, sys; from sim.sandbox import run_sandboxed; "
        f"run_sandboxed(['sh', '-c', 'echo $$ > {pidfile}; exec sleep 60'], pathlib.Path({str(tmp_path)!r}), 120)")],
        cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
    for _ in range(100):
        if pidfile.exists() and pidfile.read_text().strip():
            break
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    assert _alive(pid)
    parent.send_signal(signal.SIGKILL)  # no cleanup code runs: only the kernel's parent-death signal can act
    parent.wait()
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the simulator outlived its SIGKILLed parent"


def test_temporary_files_of_a_killed_child_stay_in_its_folder(tmp_path):
    """iverilog's driver leaves $TMPDIR/ivrlg* behind when killed; TMPDIR is the simulation folder."""
    work = tmp_path / "sim"
    work.mkdir()
    res = run_sandboxed(["sh", "-c", 'mktemp ivrlgXXXX -p "$TMPDIR"; mktemp -p "$TMP"; sleep 30'], work, timeout_s=1.0)
    assert res.timed_out
    left = sorted(p.name for p in work.iterdir())
    assert len(left) == 2 and any(name.startswith("ivrlg") for name in left), left
    for line in res.output.split():
        assert line.startswith(str(work)), res.output
