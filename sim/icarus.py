"""Which Icarus Verilog build judges: the configured `iverilog` and `vvp`, what a jail must show of them, their version.

Verdicts differ between Icarus releases (VerilogEval v2 names Icarus 12; Debian 12 ships 11, which cannot compile
the enum casts of two references: docs/SIM.md, "Icarus 11 vs 12"), so the build is a setting (`sim.iverilog=PATH`,
`sim.vvp=PATH`, `python -m sim score --iverilog PATH`) and every verdict names the one that gave it. Unset, both
programs come from PATH, as before. Every simulator command runs them by absolute path; a build installed outside `/usr`
(`/opt/iverilog12`, `~/.local`) is bound read-only into the jail: the two programs and the `ivl` folder of
their install prefix (the compiler stages and the VPI modules; also where the programs' compiled-in path puts
it), nothing else of that prefix.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sim.fingerprint import file_digest

_SYSTEM = Path("/usr")  # bound into every jail already (sim.isolation)
# The ivl folder's path is compiled into both programs (configure's --libdir); a build may relocate only by
# rebuilding, so reading it from the binary finds it whatever the layout.
_COMPILED_IVL = re.compile(rb"(/[\x21-\x7e]{1,200}/ivl)\x00")
INSTALL_HINT = ("point it at the `iverilog` program of an Icarus Verilog build (or that build's install prefix, "
                "e.g. /opt/iverilog12), or leave it unset to use the one on PATH")


class IcarusNotFound(ValueError):
    """A configured simulator path that is not a runnable Icarus Verilog program."""


@dataclass(frozen=True)
class Icarus:
    """One Icarus Verilog build: its compiler driver and runtime, as absolute paths with links resolved."""

    iverilog: Path
    vvp: Path

    @property
    def jail_paths(self) -> tuple[Path, ...]:
        """What a jailed simulator command must be able to read of this build (empty for a build under /usr)."""
        return _jail_paths(self.iverilog, self.vvp)

    @property
    def programs(self) -> dict[str, Path]:
        """The programs under the names a tool that searches PATH expects (cocotb's runner runs `vvp`)."""
        return {"iverilog": self.iverilog, "vvp": self.vvp}


def _program(value: str, key: str, name: str) -> Path:
    """The program `name` that the configured `value` (the program itself, its bin/ folder or its install
    prefix) designates, resolved; IcarusNotFound naming `key` when there is none."""
    path = Path(os.path.expanduser(str(value)))
    if path.is_dir():
        found = next((p for p in (path / "bin" / name, path / name) if p.is_file()), None)
        if found is None:
            raise IcarusNotFound(f"{key}={value}: a folder without bin/{name} or {name} in it; {INSTALL_HINT}")
        path = found
    if not path.exists():
        raise IcarusNotFound(f"{key}={value}: no such file; {INSTALL_HINT}")
    if not path.is_file() or not os.access(path, os.X_OK):
        raise IcarusNotFound(f"{key}={value}: not an executable file; {INSTALL_HINT}")
    return path.resolve()


def locate(iverilog: str | os.PathLike | None = None, vvp: str | os.PathLike | None = None) -> Icarus:
    """The build that `sim.iverilog` / `sim.vvp` select.

    iverilog: the compiler driver, its bin/ folder or its install prefix; None: `iverilog` on PATH.
    vvp: the runtime (same forms); None: the `vvp` beside the configured iverilog, or on PATH when iverilog is
        not configured either. A configured path that is not a runnable program raises IcarusNotFound (naming the
        key); a program missing from PATH raises RuntimeError saying how to install Icarus.
    """
    if iverilog is None:
        found = shutil.which("iverilog")
        driver = Path(found).resolve() if found else None
    else:
        driver = _program(str(iverilog), "sim.iverilog", "iverilog")
    if vvp is not None:
        runtime: Path | None = _program(str(vvp), "sim.vvp", "vvp")
    elif iverilog is not None:
        # beside the configured path as given (a bin/ of links), else beside the program it resolves to
        given = Path(os.path.expanduser(str(iverilog)))
        folders = [given / "bin", given] if given.is_dir() else [given.parent]
        beside = next((f / "vvp" for f in [*folders, driver.parent] if (f / "vvp").is_file()), None)
        if beside is None:
            raise IcarusNotFound(f"sim.iverilog={iverilog}: no `vvp` beside it; set sim.vvp=PATH "
                                 "to the runtime of the same Icarus build")
        runtime = _program(str(beside), "sim.vvp", "vvp")
    else:
        found = shutil.which("vvp")
        runtime = Path(found).resolve() if found else None
    missing = [name for name, p in (("iverilog", driver), ("vvp", runtime)) if p is None]
    if missing:
        raise RuntimeError(f"simulations need Icarus Verilog, but {', '.join(missing)} is not on PATH: install it "
                           "(Debian/Ubuntu: apt-get install -y iverilog), or set sim.iverilog=PATH to a build")
    assert driver is not None and runtime is not None
    return Icarus(driver, runtime)


@functools.lru_cache(maxsize=16)
def _jail_paths(iverilog: Path, vvp: Path) -> tuple[Path, ...]:
    """The two programs and the ivl folders they use: none under /usr (bound already), none inside another."""
    found: list[Path] = []

    def add(path: Path) -> None:
        path = path.resolve()
        if path.exists() and not path.is_relative_to(_SYSTEM) and not any(path.is_relative_to(p) for p in found):
            found.append(path)

    for program in (iverilog, vvp):
        add(program)
        prefix = program.parent.parent if program.parent.name == "bin" else program.parent
        for lib in ("lib", "lib64"):
            add(prefix / lib / "ivl")
            for shared in sorted((prefix / lib).glob("libvvp*")):  # a build configured with --enable-libvvp
                add(shared)
            for arch in sorted((prefix / lib).glob("*/ivl")):  # a multiarch libdir (Debian's own layout)
                add(arch)
        for match in _COMPILED_IVL.finditer(_head(program)):
            add(Path(match.group(1).decode("ascii")))
    return tuple(found)


def _head(program: Path, limit: int = 8 << 20) -> bytes:
    """The first `limit` bytes of a program (where its compiled-in strings are); empty when unreadable."""
    try:
        with program.open("rb") as f:
            return f.read(limit)
    except OSError:
        return b""


def _first_line(program: Path) -> str:
    """`program -V`'s first line (iverilog prints it on stdout, vvp on stderr), run in a scratch folder: iverilog
    leaves its ivrl* files in $TMPDIR."""
    with tempfile.TemporaryDirectory(prefix="sim_version_") as tmp:
        env = {**os.environ, "TMPDIR": tmp}
        try:
            res = subprocess.run([str(program), "-V"], capture_output=True, text=True, timeout=10, cwd=tmp,
                                 env=env, stdin=subprocess.DEVNULL, errors="replace")
        except (OSError, subprocess.SubprocessError):
            return ""
    for stream in (res.stdout, res.stderr):
        if stream.strip():
            return stream.strip().splitlines()[0].strip()
    return ""


@functools.lru_cache(maxsize=32)
def _identity(program: Path, size: int, mtime_ns: int) -> tuple[str, str]:
    """(version line, content digest) of one program file; cached per file state, so a rebuilt file is asked
    again."""
    try:
        digest = file_digest(program)
    except OSError:
        return "", ""
    return _first_line(program), digest


def identity(program: Path) -> tuple[str, str]:
    """(`program -V`'s first line, sha256 of the file); ("", "") when it cannot be read."""
    try:
        st = program.stat()
    except OSError:
        return "", ""
    return _identity(program, st.st_size, st.st_mtime_ns)


def version(tools: Icarus) -> str:
    """The compiler's version line, e.g. `Icarus Verilog version 11.0 (stable) ()`."""
    return identity(tools.iverilog)[0]


def fingerprint(tools: Icarus) -> str:
    """Everything of the build that a verdict cache is keyed on: both version lines and both files' digests
    (a rebuild of the same release changes the key too)."""
    return "\0".join((*identity(tools.iverilog), *identity(tools.vvp)))


_RELEASE = re.compile(r"version\s+(\d+)(?:\.(\d+))?")


def check(tools: Icarus) -> str:
    """The build's version line; IcarusNotFound when a program does not answer as Icarus, or the two programs
    come from different releases (vvp cannot run what another release's compiler wrote)."""
    driver, runtime = identity(tools.iverilog)[0], identity(tools.vvp)[0]
    if not driver.startswith("Icarus Verilog"):
        raise IcarusNotFound(f"sim.iverilog: {tools.iverilog} -V did not print an Icarus Verilog version "
                             f"({driver or 'no output'!r}); {INSTALL_HINT}")
    if not runtime.startswith("Icarus Verilog"):
        raise IcarusNotFound(f"sim.vvp: {tools.vvp} -V did not print an Icarus Verilog runtime version "
                             f"({runtime or 'no output'!r}); set sim.vvp=PATH to the vvp of the build at "
                             f"{tools.iverilog}")
    a, b = _RELEASE.search(driver), _RELEASE.search(runtime)
    if a and b and a.groups() != b.groups():
        raise IcarusNotFound(f"sim.iverilog is {driver!r} but sim.vvp is {runtime!r}: use the vvp of the same "
                             "build (set sim.vvp=PATH, or leave it unset to take the one beside sim.iverilog)")
    return driver


# The build of the latest Verifier of this process: what `sim.cache.simulator_version()` reports when asked without
# a configuration (the evaluation's metrics.json; each verdict carries its own).
_active: tuple[str | None, str | None] = (None, None)


def activate(iverilog: str | os.PathLike | None, vvp: str | os.PathLike | None) -> None:
    """Make this build the process's default answer to "which Icarus judged"."""
    global _active
    _active = (None if iverilog is None else str(iverilog), None if vvp is None else str(vvp))


def active() -> tuple[str | None, str | None]:
    """The (iverilog, vvp) settings of the latest Verifier (None, None: PATH)."""
    return _active
