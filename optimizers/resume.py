"""Resumable trainer checkpoints: a long SFT or GRPO run that was stopped goes on from its newest one.

With `save_steps: N` (SFTSettings, GRPOSettings) the HF Trainer writes `run_dir/trainer/checkpoint-K` every N
optimizer steps (weights or adapter, optimizer, scheduler, RNG states, data position; `save_total_limit` of
them are kept). A rerun into the same folder resumes from the newest one, but only when it trains the same
thing: `resume_point` compares a digest of the inputs (starting model and its weight files, settings, training
rows) with the one recorded when the checkpoints were written. A folder written for other inputs is moved
aside to `trainer.stale-K`, never deleted and never resumed from.

Runs capped by wall time (`max_time_s`) cannot use this: their learning rate follows the clock of one run, and
a resumed run would start that clock again. The settings refuse the combination.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from optimizers.processes import is_main_process, wait_for_every_process
from sim.fingerprint import digest_json

log = logging.getLogger(__name__)

INPUTS_FILE = "inputs.sha256"


def save_kwargs(save_steps: int, save_total_limit: int) -> dict:
    """The TrainingArguments fields for `save_steps` (0: the trainer saves nothing of its own)."""
    if not save_steps:
        return {"save_strategy": "no"}
    return {"save_strategy": "steps", "save_steps": save_steps, "save_total_limit": save_total_limit}


def check_saving(save_steps: int, save_total_limit: int, max_time_s: float | None, owner: str) -> None:
    """A clear error for checkpoint settings that cannot work (see the module docstring)."""
    if save_steps < 0 or save_total_limit < 1:
        raise ValueError(f"{owner}: save_steps={save_steps} must be >= 0 (0: no trainer checkpoints) and "
                         f"save_total_limit={save_total_limit} >= 1.")
    if save_steps and max_time_s is not None:
        raise ValueError(f"{owner}: save_steps={save_steps} resumes runs bounded by max_steps or epochs, but "
                         f"max_time_s={max_time_s} caps this one by wall time, whose learning-rate clock a resumed "
                         "run cannot continue. Set max_time_s=null (and max_steps) or save_steps=0.")


def inputs_digest(model_path: Path, settings: Any, rows: list) -> str:
    """sha256 of what a training run depends on: the starting model (folder and weight files' stamps), the
    settings and the training rows (JSON-able values; anything else as `sim.fingerprint.canonical_json` writes
    it)."""
    from crux_program.evaluation.fingerprint import weights_stamp

    parts = {"model": str(model_path), "weights": weights_stamp(model_path), "settings": settings, "rows": rows}
    return digest_json(parts)


def resume_point(trainer_dir: Path, digest: str) -> str | None:
    """The newest `checkpoint-K` in trainer_dir to resume from, if it was written for these inputs; None to
    start from step 0. A trainer_dir from other inputs is moved to `<trainer_dir>.stale-K` first. Records the
    digest, so checkpoints this run writes are found by the next one. Under several processes the main one
    does this and the others then read its answer."""
    if is_main_process():
        point = _prepare(Path(trainer_dir), digest)
    wait_for_every_process()
    if not is_main_process():
        point = _matching_checkpoint(Path(trainer_dir), digest)
    if point and is_main_process():
        log.warning("resuming training from %s (delete %s to start from step 0)", point, trainer_dir)
    return point


def _recorded(trainer_dir: Path) -> str | None:
    try:
        return (trainer_dir / INPUTS_FILE).read_text().strip()
    except OSError:
        return None


def _matching_checkpoint(trainer_dir: Path, digest: str) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(trainer_dir)) if _recorded(trainer_dir) == digest else None


def _prepare(trainer_dir: Path, digest: str) -> str | None:
    """Main process: set aside a folder written for other inputs, record the digest, find the checkpoint."""
    if _recorded(trainer_dir) != digest and trainer_dir.is_dir() and any(trainer_dir.iterdir()):
        k = 1
        while trainer_dir.with_name(f"{trainer_dir.name}.stale-{k}").exists():
            k += 1
        aside = trainer_dir.with_name(f"{trainer_dir.name}.stale-{k}")
        trainer_dir.rename(aside)
        log.warning("%s held checkpoints of another run (other settings, data or starting model); moved to %s",
                    trainer_dir, aside)
    trainer_dir.mkdir(parents=True, exist_ok=True)
    (trainer_dir / INPUTS_FILE).write_text(digest + "\n")
    return _matching_checkpoint(trainer_dir, digest)
