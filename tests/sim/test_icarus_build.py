"""`sim.iverilog` / `sim.vvp`: another Icarus build judges, jailed, and every verdict names it.

The builds here are stand-ins made from the system's Icarus: a prefix of wrapper scripts (which mark the log and
answer `-V` with their own version line) and a relocated copy whose compiled-in `ivl` folder lies outside /usr,
so the jail must bind it. The distribution offers only Icarus 11 here; docs/SIM.md, "Icarus 11 vs 12".
"""
from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import pytest

from sim import SimConfig, Status, Verifier
from sim.cache import cache_key, problem_fingerprint, simulator_version
from sim.cli import build_parser, score
from sim.icarus import IcarusNotFound, locate
from sim.loaders import load_problems, reference_as_candidate

WRAPPED = "Icarus Verilog version 11.0 (wrapper build)"


@pytest.fixture(scope="module")
def problems(verilog_eval_dir):
    wanted = {"Prob001_zero", "Prob034_dff8"}
    return {p.task_id: p for p in load_problems(verilog_eval_dir) if p.task_id in wanted}


def _wrapper_prefix(root: Path, version: str = WRAPPED, marker: str = "run by the configured") -> Path:
    """root/bin/{iverilog,vvp}: scripts that print a marker line and exec the system's programs; `-V` prints
    `version` (vvp: the matching runtime line)."""
    (root / "bin").mkdir(parents=True)
    for name in ("iverilog", "vvp"):
        line = version if name == "iverilog" else version.replace("version", "runtime version")
        real = Path(shutil.which(name)).resolve()
        script = root / "bin" / name
        script.write_text(f'#!/bin/sh\nif [ "$1" = "-V" ]; then echo "{line}"; exit 0; fi\n'
                          f'echo "{marker} {name}"\nexec {real} "$@"\n')
        script.chmod(0o755)
    return root


def test_the_configured_build_judges_and_every_verdict_names_it(problems, tmp_path):
    prefix = _wrapper_prefix(tmp_path / "icarus")
    config = SimConfig(jobs=1, timeout_s=20, iverilog=str(prefix))  # the install prefix; vvp found beside it
    assert config.icarus.iverilog == prefix / "bin" / "iverilog" and config.icarus.vvp == prefix / "bin" / "vvp"
    dff8, zero = problems["Prob034_dff8"], problems["Prob001_zero"]
    with Verifier(config) as verifier:
        result = verifier.check(dff8, reference_as_candidate(dff8))
        assert result.passed, result.log_tail
        # both jailed steps ran the wrapper (a path outside /usr, bound into the jail)
        assert "run by the configured iverilog" in result.log_tail and "run by the configured vvp" in result.log_tail
        assert result.simulator == WRAPPED and result.verdict_row()["simulator"] == WRAPPED
        assert simulator_version() == WRAPPED  # metrics.json asks without a config: the latest Verifier's build
        diff = Verifier(SimConfig(jobs=1, timeout_s=20, iverilog=str(prefix / "bin" / "iverilog"),
                                  mode="differential"))
        with diff:  # cocotb's runner finds the configured vvp too
            result = diff.check(zero, reference_as_candidate(zero))
        assert result.passed and result.simulator == WRAPPED, result.log_tail
    assert simulator_version(SimConfig()) not in ("", WRAPPED)  # asked with a config: that config's build


def test_a_verdict_cache_is_keyed_on_the_build(problems, tmp_path):
    fp = problem_fingerprint(problems["Prob001_zero"])
    prefix = _wrapper_prefix(tmp_path / "icarus")
    system = cache_key(fp, "x", "testbench", SimConfig())
    wrapped = cache_key(fp, "x", "testbench", SimConfig(iverilog=str(prefix)))
    assert wrapped != system
    script = prefix / "bin" / "vvp"  # rebuilt in place, same version line: still another key
    script.write_text(script.read_text() + "# rebuilt\n")
    assert cache_key(fp, "x", "testbench", SimConfig(iverilog=str(prefix))) not in (system, wrapped)


_SYSTEM_IVL = b"/usr/lib/x86_64-linux-gnu/ivl"  # Debian's compiled-in ivl folder


def test_a_build_installed_outside_usr_runs_in_the_jail(problems):
    """A copy of the system build whose compiled-in ivl folder (compiler stages, VPI modules) is moved to another
    prefix: nothing of it is under /usr, so the jail must bind it."""
    programs = [Path(shutil.which(n) or "/nonexistent").resolve() for n in ("iverilog", "vvp")]
    if not all(p.is_file() and p.read_bytes().count(_SYSTEM_IVL + b"\0") == 1 for p in programs):
        pytest.skip("the system Icarus is not Debian's layout (a relocated copy cannot be made by patching)")
    root = Path(tempfile.mkdtemp(prefix="ivl", dir="/tmp"))  # short: the new path must fit the old one's bytes
    try:
        ivl = root / "lib" / "ivl"
        ivl.mkdir(parents=True)
        for f in Path(_SYSTEM_IVL.decode()).iterdir():
            (ivl / f.name).symlink_to(f)
        (root / "bin").mkdir()
        for program in programs:
            data = program.read_bytes().replace(_SYSTEM_IVL + b"\0", bytes(ivl).ljust(len(_SYSTEM_IVL) + 1, b"\0"))
            (root / "bin" / program.name).write_bytes(data)
            (root / "bin" / program.name).chmod(0o755)
        config = SimConfig(jobs=1, timeout_s=20, iverilog=str(root / "bin" / "iverilog"))
        assert ivl in config.icarus.jail_paths and not any(p.is_relative_to("/usr") for p in config.icarus.jail_paths)
        dff8 = problems["Prob034_dff8"]
        with Verifier(config) as verifier:
            result = verifier.check(dff8, reference_as_candidate(dff8))
        assert result.passed and result.simulator.startswith("Icarus Verilog version"), result.log_tail
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_bad_path_is_a_clear_error_naming_the_key(tmp_path, verilog_eval_dir):
    with pytest.raises(ValueError, match=r"sim.iverilog=/nonexistent/iverilog: no such file; point it at"):
        SimConfig(iverilog="/nonexistent/iverilog")
    with pytest.raises(ValueError, match=r"sim.vvp=/nonexistent/vvp: no such file"):
        SimConfig(vvp="/nonexistent/vvp")
    lone = tmp_path / "lone"
    lone.mkdir()
    shutil.copy(_wrapper_prefix(tmp_path / "w") / "bin" / "iverilog", lone / "iverilog")
    with pytest.raises(ValueError, match=r"no `vvp` beside it; set sim.vvp=PATH"):
        SimConfig(iverilog=str(lone / "iverilog"))
    with pytest.raises(ValueError, match=r"a folder without bin/iverilog"):
        SimConfig(iverilog=str(tmp_path))
    # runs, but is not Icarus: refused when the Verifier starts, not once per candidate
    fake = tmp_path / "fake" / "bin"
    fake.mkdir(parents=True)
    for name in ("iverilog", "vvp"):
        (fake / name).write_text("#!/bin/sh\necho hello\n")
        (fake / name).chmod(0o755)
    with pytest.raises(IcarusNotFound, match=r"sim.iverilog: .* -V did not print an Icarus Verilog version"):
        Verifier(SimConfig(iverilog=str(fake / "iverilog")))
    # a compiler of one release with the runtime of another
    mixed = SimConfig(iverilog=str(_wrapper_prefix(tmp_path / "v12", "Icarus Verilog version 12.0 (stable)")),
                      vvp=str(tmp_path / "w" / "bin" / "vvp"))
    with pytest.raises(IcarusNotFound, match=r"use the vvp of the same build"):
        Verifier(mixed)
    assert locate().iverilog.name == "iverilog"  # unset: PATH's, as before
    # the command line says it in its own words, before loading anything and without a traceback
    err = io.StringIO()
    args = build_parser().parse_args(["score", "--problems", str(verilog_eval_dir), "--references", "--out",
                                      str(tmp_path / "v.jsonl"), "--iverilog", "/nonexistent/iverilog"])
    assert score(args, io.StringIO(), err) == 2
    assert err.getvalue().startswith("error: --iverilog /nonexistent/iverilog: no such file; point it at"), \
        err.getvalue()
    assert not (tmp_path / "v.jsonl").exists()
