"""Operating-system isolation of every simulation: bubblewrap namespaces, an unprivileged user, a private disk.

Model-written Verilog is hostile. The static screen (`sim.screen`) refuses what a design has no business doing,
but Icarus has more ways into the file system than any list can name (VHDL textio tasks, `$fopen` of
`/dev/stdout`, VPI), so the operating system enforces the rest. Every simulator command runs under bubblewrap
(`bwrap`, Debian/Ubuntu package `bubblewrap`) with:

- no network, and its own pid and IPC namespaces (it cannot see or signal the harness or another simulation);
- an unprivileged user: as root, bwrap builds the mounts and `setpriv` drops to uid/gid 65534 with no
  capabilities and `no_new_privs` before the simulator starts; as any other user, bwrap's user namespace already
  leaves it unprivileged;
- a file system of read-only `/usr` (and the `/lib`, `/bin` links), `/dev/null` (a Python child also gets
  `/proc` and a minimal `/dev`), a private 16 MB `/tmp`, the read-only paths the step needs (the Python environment
  for cocotb; an Icarus build installed outside `/usr`, `sim.icarus`), and its own run folder:
  - `writable=True` (compile steps, which execute nothing the candidate wrote): the host run folder, read-write;
  - `writable=False` (steps that execute candidate code: vvp, the cocotb child): a fresh tmpfs of `quota_mb` at
    the run folder's path, holding read-only binds of what the host folder contains. Nothing it writes survives
    the step and nothing outside it is writable, so the disk quota is the tmpfs size.

`isolation="none"` (`sim.isolation=none`) runs the command as the current user with only the process-group,
rlimit and output caps; it is for machines where bubblewrap cannot start (no user namespaces and not root), and
every run that uses it warns.
"""
from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ISOLATIONS = ("auto", "none")
NOBODY = 65534  # uid/gid of the unprivileged user the simulator runs as when the harness is root
TMP_MB = 16  # the private /tmp (iverilog's driver writes its preprocessed source there when TMPDIR is unset)
_BWRAP = shutil.which("bwrap")
_SETPRIV = shutil.which("setpriv")


class IsolationUnavailable(RuntimeError):
    """Bubblewrap cannot start here, and the user has not opted out of isolation."""


@dataclass(frozen=True)
class Jail:
    """What one sandboxed command may see and write.

    cwd: the host run folder; writable: bind it read-write (True) or give the command a private tmpfs copy
    of its entries as read-only binds (False); readable: further host paths, visible read-only at the same
    path; quota_mb: size of the private tmpfs (writable=False); tools: the files and folders of a simulator
    build outside /usr (`sim.icarus.Icarus.jail_paths`), visible read-only at the same path (unlike `readable`,
    they bring no /proc: Icarus needs none).
    """

    cwd: Path
    writable: bool = True
    readable: tuple[Path, ...] = ()
    quota_mb: int = 64
    tools: tuple[Path, ...] = ()


def _system_binds() -> list[str]:
    """Read-only /usr and the top-level links or folders a merged-/usr or classic layout needs."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib64", "lib32", "bin", "sbin"):
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    return args


def _ancestors(paths: list[Path]) -> list[Path]:
    """Every folder above `paths`, outermost first: bwrap would create them with the host folder's mode (0700 for
    /root), which the unprivileged user could not traverse."""
    seen: list[Path] = []
    for path in paths:
        for parent in reversed(path.parents):
            if parent != Path("/") and parent not in seen:
                seen.append(parent)
    return seen


def python_paths() -> tuple[Path, ...]:
    """The folders a Python child (the cocotb harness) needs: this interpreter's prefix and base prefix."""
    found: list[Path] = []
    for p in (sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))):
        path = Path(p).resolve()
        if path.is_dir() and path != Path("/usr") and not any(path.is_relative_to(f) for f in found):
            found.append(path)
    return tuple(found)


def _as_root() -> bool:
    return os.geteuid() == 0


def bwrap_argv(jail: Jail) -> list[str]:
    """The bwrap (and, as root, setpriv) prefix that runs a command inside `jail`."""
    assert _BWRAP is not None
    cwd = jail.cwd.resolve()
    readable = [Path(p).resolve() for p in jail.readable if Path(p).exists()]
    tools = [Path(p).resolve() for p in jail.tools if Path(p).exists()]
    args = [_BWRAP, "--die-with-parent"]
    if _as_root():  # no user namespace: bwrap keeps root to build the mounts, setpriv below drops it
        # hostname and cgroup namespaces would hide nothing that matters and cost a few ms on every simulation
        args += ["--unshare-net", "--unshare-pid", "--unshare-ipc"]
    else:
        args += ["--unshare-all", "--disable-userns"]
    args += _system_binds()
    if readable:  # a Python child (cocotb) gets /proc and the usual devices; Icarus needs only /dev/null
        args += ["--proc", "/proc", "--dev", "/dev"]
    else:  # each of these costs milliseconds per simulation
        args += ["--perms", "0755", "--dir", "/dev", "--dev-bind", "/dev/null", "/dev/null"]
    args += ["--perms", "1777", "--size", str(TMP_MB << 20), "--tmpfs", "/tmp"]
    for folder in _ancestors([*readable, *tools, cwd]):
        if folder != Path("/tmp") and not folder.is_relative_to("/usr"):
            args += ["--perms", "0755", "--dir", str(folder)]
    for path in [*readable, *tools]:
        args += ["--ro-bind", str(path), str(path)]
    if jail.writable:
        args += ["--bind", str(cwd), str(cwd)]
    else:
        args += ["--perms", "0777", "--size", str(jail.quota_mb << 20), "--tmpfs", str(cwd)]
        for entry in sorted(cwd.iterdir()):
            args += ["--ro-bind", str(entry), str(entry)]
    args += ["--chdir", str(cwd), "--"]
    if _as_root():
        if _SETPRIV is None:
            raise IsolationUnavailable("running as root, isolation needs util-linux `setpriv` to drop to an "
                                       "unprivileged user: apt-get install util-linux")
        args += [_SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--no-new-privs", "--"]
    return args


def _shared_folders() -> set[Path]:
    import tempfile

    return {Path(p).resolve() for p in ("/", tempfile.gettempdir(), "/tmp", "/var/tmp", Path.home(), os.getcwd())}


def prepare_writable(folder: Path) -> None:
    """Let the unprivileged simulator user write into a run folder the (root) harness created for it.

    Only that folder changes owner, never what is inside or above it, and never a shared folder (the temporary
    folder itself, the home or working folder): a jail's writable folder must be one made for the simulation."""
    folder = Path(folder).resolve()
    if folder in _shared_folders() or any(folder.is_relative_to(p) for p in (Path("/usr"), Path("/etc"))) \
            or Path(os.getcwd()).resolve().is_relative_to(folder):
        raise ValueError(f"refusing to give the simulator {folder} as its writable folder: use a fresh folder made "
                         "for the simulation (sim.sandbox.SimDir)")
    if _as_root():
        os.chown(folder, NOBODY, NOBODY)


def writable_dir(folder: Path) -> Path:
    """Make `folder` (and missing parents) for a jailed command to write into; returns it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    prepare_writable(folder)
    return folder


@functools.lru_cache(maxsize=1)
def _probe() -> str | None:
    """None when bubblewrap starts a jailed command here; otherwise why not."""
    if _BWRAP is None:
        return "bubblewrap (`bwrap`) is not installed"
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sim_probe_") as tmp:
        folder = Path(tmp)
        prepare_writable(folder)
        try:
            argv = bwrap_argv(Jail(folder, writable=True))
        except IsolationUnavailable as exc:
            return str(exc)
        try:
            res = subprocess.run([*argv, "sh", "-c", "echo ok > probe"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bwrap did not start: {exc}"
        if res.returncode != 0 or not (folder / "probe").is_file():
            return f"bwrap failed: {(res.stderr or res.stdout).strip()[:300]}"
    return None


def require(isolation: str) -> None:
    """Raise IsolationUnavailable unless simulations can run isolated (or the user opted out); warn on opt-out."""
    if isolation not in ISOLATIONS:
        raise ValueError(f"sim.isolation={isolation!r}: choose one of {ISOLATIONS}")
    if isolation == "none":
        log.warning("sim.isolation=none: candidate Verilog runs WITHOUT operating-system isolation (only process "
                    "group, rlimits and output caps); a hostile candidate can read and write what this user can")
        return
    why = _probe()
    if why is not None:
        raise IsolationUnavailable(
            f"simulations of untrusted Verilog run under bubblewrap, which cannot start here: {why}. Fix: install it "
            "(apt-get install -y bubblewrap; scripts/setup.sh does), and run as root or enable unprivileged user "
            "namespaces (sysctl -w kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0). Or accept "
            "the risk explicitly with sim.isolation=none (SimConfig(isolation='none'), `--isolation none`).")
