"""Content-hash verdict cache: the same code on the same problem under the same settings is simulated once.

Keys hash everything that can change a verdict: the problem's sources and data files, the extracted code,
the mode, the verdict-relevant SimConfig fields, and the judge itself (`JUDGE_VERSION`, bumped whenever the
screen or a pass rule changes a verdict, and the configured Icarus build: both programs' version lines and file
digests, `sim.icarus.fingerprint`), so a disk cache never serves a verdict the current judge would not give.
Entries live in memory and, when `cache_dir` is set, as one small JSON file each (written atomically, so
parallel writers and crashes never leave half a file).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from sim import icarus
from sim.config import SimConfig
from sim.fingerprint import digest_parts, digest_text
from sim.problem import Problem
from sim.result import SimResult


JUDGE_VERSION = 6  # 2: the screen refuses verdict tampering; a second VerilogEval verdict line fails;
# 3: code that prints is refused where the verdict is read from the output (RTLLM); 4: instead its output calls
# are removed, code that ends the simulation ($finish/$stop/$fatal) is refused, 0 compared samples is no pass,
# the reference's module names get a fresh suffix (a candidate instantiating RefModule passed), and file
# access is refused (a candidate playing back calendar's reference.txt passed RTLLM); 5: an RTLLM pass needs
# the testbench's own pass sentence in the output (a scope name in a simulator message could carry "pass");
# 6: the candidate is judged as Icarus preprocesses it, under an allowlist of system tasks and directives, in its
# own compilation unit, jailed by the OS; trusted names are suffixed and verdict lines carry a per-run nonce


def simulator_version(config: SimConfig | None = None) -> str:
    """The version line of the Icarus build `config` selects ("" when it cannot be run). Without a config: the
    build of this process's latest Verifier (PATH's before any), which is what judged an evaluation's verdicts."""
    iverilog, vvp = (config.iverilog, config.vvp) if config is not None else icarus.active()
    try:
        return icarus.version(icarus.locate(iverilog, vvp))
    except (RuntimeError, ValueError):
        return ""


def problem_fingerprint(problem: Problem) -> str:
    """Hash of what a verdict depends on in a problem (not its spec text)."""
    parts: list[str | bytes] = [problem.task_id, problem.reference, problem.top, problem.reference_top,
                                problem.testbench or "", problem.tb_top or "", problem.source]
    for name, path in sorted(problem.extra_files.items()):
        parts += [name, Path(path).read_bytes()]
    return digest_parts(parts)


def cache_key(problem_fp: str, code: str, mode: str, config: SimConfig) -> str:
    """Key of one verdict. The settings enter as the repr of `config.cache_key_fields()` and the parts are
    joined by NUL: the encoding every cache on disk was written with."""
    return digest_text("\0".join((problem_fp, mode, repr(config.cache_key_fields()), str(JUDGE_VERSION),
                                   icarus.fingerprint(config.icarus), code)))


class VerdictCache:
    """In-memory verdicts, mirrored on disk under `directory` when given."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else None
        self._memory: dict[str, SimResult] = {}
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> SimResult | None:
        """The stored verdict, or None."""
        found = self._memory.get(key)
        if found is None and self.directory is not None:
            path = self._path(key)
            try:
                found = SimResult.from_dict(json.loads(path.read_text()))
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                found = None  # absent or unreadable entry: simulate again
            if found is not None:
                self._memory[key] = found
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: str, result: SimResult) -> None:
        """Store a verdict (memory, and disk when enabled)."""
        self._memory[key] = result
        if self.directory is None:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp_")
        with os.fdopen(fd, "w") as f:
            json.dump(result.to_dict(), f)
        os.replace(tmp, path)

    def __len__(self) -> int:
        return len(self._memory)
