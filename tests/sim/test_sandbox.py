"""run_sandboxed: timeouts kill the whole group, output is capped while streaming, rlimits apply, jailed or not."""
from __future__ import annotations

import os
import secrets
import sys
import time

import pytest

from sim.isolation import python_paths
from sim.sandbox import SimDir, run_sandboxed


def _survivors(marker: str) -> list[int]:
    """Host pids whose command line holds `marker` (a pid written inside a pid namespace means nothing outside)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
            state = open(f"/proc/{entry}/stat").read().split()[2]
        except OSError:
            continue
        if marker in cmdline and state != "Z" and int(entry) != os.getpid():
            found.append(int(entry))
    return found


def test_plain_command_returns_output_and_status(tmp_path):
    r = run_sandboxed(["sh", "-c", "echo hi; echo err >&2; exit 3"], tmp_path, timeout_s=5)
    assert r.returncode == 3 and "hi" in r.output and "err" in r.output
    assert not r.timed_out and not r.output_capped


@pytest.mark.parametrize("isolation", ["auto", "none"])
def test_timeout_kills_the_whole_process_group(tmp_path, isolation):
    # the grandchild sleeps with a unique duration; killing only the shell would leave it running
    marker = f"60.{secrets.randbelow(10**6):06d}"
    r = run_sandboxed(["sh", "-c", f"sleep {marker} & wait"], tmp_path, timeout_s=0.5, isolation=isolation)
    assert r.timed_out and r.returncode is None and r.seconds < 5
    deadline = time.monotonic() + 3
    while _survivors(f"sleep {marker}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _survivors(f"sleep {marker}"), "grandchild outlived the timeout"


def test_endless_output_is_capped_not_buffered(tmp_path):
    start = time.monotonic()
    r = run_sandboxed(["yes", "spam"], tmp_path, timeout_s=10, max_output_bytes=50_000)
    assert r.output_capped and r.returncode is None
    assert len(r.output) < 50_000 + 200 and "output truncated" in r.output
    assert time.monotonic() - start < 5


def test_memory_limit_stops_a_hog(tmp_path):
    hog = "x = bytearray(1_500_000_000); print('allocated')"
    r = run_sandboxed([sys.executable, "-c", hog], tmp_path, timeout_s=20, memory_mb=512, readable=python_paths())
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


def test_a_simulation_dies_with_a_parent_killed_from_outside(tmp_path):
    import shutil
    import signal
    import subprocess

    assert shutil.which("setpriv"), "the parent-death signal needs util-linux setpriv (apt-get install util-linux)"
    marker = f"sleep 60.{secrets.randbelow(10**6):06d}"
    parent = subprocess.Popen([sys.executable, "-c", (
        "import pathlib, sys; from sim.sandbox import run_sandboxed; "
        f"run_sandboxed(['sh', '-c', 'exec {marker}'], pathlib.Path({str(tmp_path)!r}), 120)")],
        cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
    for _ in range(200):
        if _survivors(marker):
            break
        time.sleep(0.05)
    assert _survivors(marker)
    parent.send_signal(signal.SIGKILL)  # no cleanup code runs: only the kernel's parent-death signal can act
    parent.wait()
    deadline = time.monotonic() + 5
    while _survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _survivors(marker), "the simulator outlived its SIGKILLed parent"


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


# -- the operating-system jail (sim.isolation) -------------------------------------------------------------
def test_jail_hides_the_host_and_runs_unprivileged(tmp_path):
    r = run_sandboxed(["sh", "-c", "id -u; cat /etc/passwd; ls /root /work /home; echo done"], tmp_path, timeout_s=10)
    lines = r.output.splitlines()
    assert lines[0] == ("65534" if os.geteuid() == 0 else str(os.geteuid())), r.output
    assert "root:x:0" not in r.output and "done" in r.output


def test_jail_allows_no_writes_outside_its_folder(tmp_path):
    canary = f"/tmp/jail_canary_{secrets.token_hex(4)}"
    work = tmp_path / "run"
    work.mkdir()
    r = run_sandboxed(["sh", "-c", f"echo x > {canary}; echo y > {tmp_path}/outside; echo z > inside; echo ok"],
                      work, timeout_s=10)
    assert "ok" in r.output
    assert not os.path.exists(canary) and not (tmp_path / "outside").exists()
    assert (work / "inside").read_text() == "z\n"  # a compile step writes its binary here


def test_jail_has_no_network(tmp_path):
    code = ("import socket; s = socket.socket(); s.settimeout(2)\n"
            "try:\n    s.connect(('1.1.1.1', 53)); print('CONNECTED')\nexcept OSError as e:\n    print('refused', e)")
    r = run_sandboxed([sys.executable, "-c", code], tmp_path, timeout_s=10, readable=python_paths())
    assert "refused" in r.output and "CONNECTED" not in r.output


def test_read_only_run_folder_gets_a_private_disk_with_a_quota(tmp_path):
    (tmp_path / "input.txt").write_text("data")
    r = run_sandboxed(["sh", "-c", "cat input.txt; echo bad > input.txt; echo scratch > note; "
                       "head -c 5000000 /dev/zero > big; ls -l big; cat note"], tmp_path, timeout_s=10, writable=False,
                      max_file_mb=1)
    assert r.output.startswith("data") and "scratch" in r.output
    assert (tmp_path / "input.txt").read_text() == "data"  # read-only bind
    assert not (tmp_path / "big").exists() and not (tmp_path / "note").exists()  # nothing survives the step
    size = int(next(ln for ln in r.output.splitlines() if ln.endswith(" big")).split()[4])
    assert size <= 1024 * 1024


def test_missing_isolation_is_refused_unless_the_user_opts_out(monkeypatch, caplog):
    import sim.isolation as iso

    iso._probe.cache_clear()
    monkeypatch.setattr(iso, "_BWRAP", None)
    try:
        with pytest.raises(iso.IsolationUnavailable, match="sim.isolation=none"):
            iso.require("auto")
        with caplog.at_level("WARNING"):
            iso.require("none")
        assert "WITHOUT operating-system isolation" in caplog.text
    finally:
        iso._probe.cache_clear()


def test_a_shared_folder_is_never_handed_to_the_jail():
    import tempfile

    from sim.isolation import prepare_writable

    for shared in ("/", tempfile.gettempdir(), os.getcwd()):
        with pytest.raises(ValueError, match="fresh folder"):
            prepare_writable(shared)
    with pytest.raises(ValueError, match="fresh folder"):
        run_sandboxed(["true"], tempfile.gettempdir(), timeout_s=5)


def test_run_py_reports_a_missing_jail_as_a_user_error():
    """run.py ends a user's mistake with its message alone: a machine without a working jail is one."""
    from crux_program.errors import user_error_in
    from sim.isolation import IsolationUnavailable

    try:
        try:
            raise IsolationUnavailable("bubblewrap cannot start here ... sim.isolation=none")
        except IsolationUnavailable as inner:
            raise RuntimeError("wrapped by Hydra") from inner
    except RuntimeError as outer:
        assert "sim.isolation=none" in str(user_error_in(outer))
