"""A rerun into the same folder reuses a compile() that finished there, instead of training again.

`python run.py ... hydra.run.dir=DIR` after a Ctrl-C (or a crash in a later evaluation) must not throw away
the minutes an SFT or GRPO stage already trained. `compile_or_reuse(compiler, program, trainset, valset)` runs
`compiler.compile` and then writes `compile_key.json` into the compiler's run folder: a digest of everything
the result depends on. A later call whose digest is the same loads the compiled program from that folder
(`optimizers.artifacts.load_compiled`) and trains nothing.

The digest covers the compiler's class and its `reuse_key()` (its settings, and for compilers rewarded by the
simulator the simulator's settings and `JUDGE_VERSION`; None means "never reuse", the default for compilers
that are cheap to rerun or that depend on things a digest cannot see, such as a remote LM's answers), the
program's class and state, the model behind each predictor (folder and the stamp of its weight files), and the
content of the train and val sets. A rerun that does not reuse a folder's result says which of these changed. The key file is deleted before
a compile starts and written only after it returns, so a folder whose compile was interrupted is never
reused. To train again in the same folder, delete its `compile_key.json`.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any, Sequence

import dspy

from optimizers.artifacts import MANIFEST_FILE, load_compiled, portable_state, read_manifest
from optimizers.base import Compiler, bound_lm
from optimizers.processes import is_main_process, wait_for_every_process
from optimizers.time_budget import Budget
from sim.fingerprint import canonical_json, digest_json, digest_parts

log = logging.getLogger(__name__)

KEY_FILE = "compile_key.json"


@dataclass
class CompileOutcome:
    """The compiled program, whether it was reused, and the compile's report and training seconds (for a
    reused folder: those of the run that trained it)."""

    program: dspy.Module
    reused: bool
    seconds: float
    report: dict | None


def examples_digest(examples: Sequence[dspy.Example] | None) -> str:
    """sha256 of the examples' fields in order, one canonical JSON line each (a `Problem` by its dataclass repr,
    which holds no addresses)."""
    return digest_parts((canonical_json(dict(ex.toDict())) for ex in examples or []), terminator="\n")


def key_parts(compiler: Compiler, program: dspy.Module, trainset: Sequence[dspy.Example],
              valset: Sequence[dspy.Example] | None) -> dict[str, str] | None:
    """A digest per input a finished compile depends on, or None when this compiler is never reused."""
    settings = compiler.reuse_key()
    if settings is None:
        return None
    from crux_program.evaluation.fingerprint import lm_identity

    fallback = dspy.settings.lm
    parts: dict[str, Any] = {
        "compiler": f"{type(compiler).__module__}.{type(compiler).__qualname__}", "settings": settings,
        "program": [type(program).__name__, portable_state(program)],
        "lms": {name: lm_identity(p.lm or fallback) for name, p in program.named_predictors()}}
    digests = {name: digest_json(value) for name, value in parts.items()}
    digests.update(trainset=examples_digest(trainset), valset=examples_digest(valset))
    return digests


def compile_or_reuse(compiler: Compiler, program: dspy.Module, trainset: Sequence[dspy.Example],
                     valset: Sequence[dspy.Example] | None = None, *, budget: Budget | None = None) -> CompileOutcome:
    """`compiler.compile(program, trainset, valset, budget=budget)`, or the result a finished compile left in its
    run folder when everything it depended on is unchanged (see the module docstring). The budget is not in the
    digest: a rerun reuses a finished compile even where a budget had cut its training short."""
    parts = key_parts(compiler, program, trainset, valset)
    key = None if parts is None else digest_json(parts)
    run_dir, key_file = compiler.run_dir, compiler.run_dir / KEY_FILE
    stored = _read_key_file(key_file)
    if key is not None and stored.get("key") not in (None, key):
        changed = sorted(k for k in parts if (stored.get("parts") or {}).get(k) != parts[k])
        log.warning("%s: the compile in %s was made from other inputs (changed: %s); compiling again",
                    compiler.name, run_dir, ", ".join(changed) or "?")
    if key is not None and stored.get("key") == key and _result_present(run_dir):
        manifest = read_manifest(run_dir)
        loaded = load_compiled(program, run_dir, lm=bound_lm(program) if manifest.model_path else None)
        log.warning("reusing the finished %s compile in %s (same settings, model and data; delete %s to train "
                    "again)", compiler.name, run_dir, key_file)
        return CompileOutcome(loaded, True, manifest.seconds, stored.get("report"))
    wait_for_every_process()  # under `accelerate launch`, every process has read the key file by now
    if is_main_process():
        key_file.unlink(missing_ok=True)  # from here until compile() returns, the folder is not a result
    started = time.perf_counter()
    compiled = compiler.compile(program, trainset, valset, budget=budget)
    seconds = round(time.perf_counter() - started, 2)
    report = getattr(compiler, "report", None)
    report = asdict(report) if is_dataclass(report) else None
    if key is not None and is_main_process():
        key_file.write_text(json.dumps({"key": key, "parts": parts, "report": report, "seconds": seconds},
                                       indent=1, default=str))
    return CompileOutcome(compiled, False, seconds, report)


def _read_key_file(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _result_present(run_dir: Path) -> bool:
    """The manifest is there, and so is the checkpoint it names (a user may have deleted it)."""
    if not (run_dir / MANIFEST_FILE).is_file():
        return False
    model_path = read_manifest(run_dir).model_path
    return model_path is None or (Path(model_path) / "config.json").is_file() or \
        (Path(model_path) / "adapter_config.json").is_file()
