"""Does an LM that generated before training slow the SFT steps after it? Side by side, one process per case.

    python -m benches.idle_lm_step_time --data K4 --model MODEL_DIR [--steps 300 --rounds 2]

run.py evaluates the untrained program before it compiles, and that LM stays alive through training. A thread
that ran torch keeps its own OpenMP team; while it lives, libgomp counts more threads than cores and stops its
spin-waits, so each parallel region of the training pays a futex wake-up. `RequestBatcher` therefore ends its
worker thread after `idle_s` without work. Cases, each in a fresh process, in `--rounds` interleaved rounds:
- `no LM`: train only;
- `idle LM, worker kept`: 16 generations from 4 threads first, the batcher never retires (as the batcher was
  before it retired idle workers);
- `idle LM, worker retired`: the same with the default `idle_s` (the thread ends before training starts).
Prints a table: the median SFT seconds of each case and its ratio to `no LM` (1.0 = the idle LM costs
nothing; the `worker kept` row shows what retiring the worker saves). MODEL_DIR: any local model folder with a chat
template (e.g. the tiny model run.py cached under lm.cache_dir).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# case -> (generate with an LM first, the batcher's idle_s: None = the worker never retires)
CASES = {"no LM": (False, None), "idle LM, worker kept": (True, None), "idle LM, worker retired": (True, 2.0)}


def _one(data: Path, model: Path, steps: int, generate: bool, idle_s: float | None, out: Path) -> float:
    """Child process: optionally generate with an LM (batcher idle_s), wait past idle_s, then train; SFT seconds."""
    from concurrent.futures import ThreadPoolExecutor

    from crux_program.data.triplet import read_jsonl
    from crux_program.modules import DirectVerilog
    from optimizers.config import SFTSettings
    from optimizers.render import render_examples
    from optimizers.sft_train import train_sft

    examples = [t.to_example() for t in read_jsonl(data / "train.jsonl")][: steps * 4]
    rows = render_examples(DirectVerilog(), examples)
    if generate:
        from crux_program.lm.local import LocalLM

        lm = LocalLM(model, device="cpu", max_tokens=64)
        lm.local_engine.batcher.idle_s = idle_s
        program = DirectVerilog()
        program.set_lm(lm)
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda ex: program(spec=ex.spec), examples[:16]))
        time.sleep((idle_s or 0.0) + 0.5)  # the LM now idles, as the untrained stage's does in run.py
    settings = SFTSettings(lora=False, learning_rate=2e-2, max_steps=steps, per_device_train_batch_size=4,
                           device="cpu", optimizer="muon", max_length=2048, logging_steps=steps, precision="fp32")
    return train_sft(model, rows, settings, out).seconds


def main(argv: list[str] | None = None) -> dict[str, float]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="folder written by python -m crux_program.data")
    p.add_argument("--model", required=True, help="local model folder (config.json, tokenizer with a chat template)")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--out", default="outputs/benches/idle_lm_step_time")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child is not None:
        generate, idle_s = CASES[a.child]
        seconds = _one(Path(a.data), Path(a.model), a.steps, generate, idle_s, Path(a.out) / "child")
        print(json.dumps({"seconds": seconds}))
        return {}
    seconds: dict[str, list[float]] = {case: [] for case in CASES}
    for r in range(a.rounds):
        for case in CASES:
            proc = subprocess.run([sys.executable, "-m", "benches.idle_lm_step_time", "--data", a.data, "--model",
                                   a.model, "--steps", str(a.steps), "--out", a.out, "--child", case],
                                  capture_output=True, text=True, check=True)
            seconds[case].append(json.loads(proc.stdout.strip().splitlines()[-1])["seconds"])
            print(f"round {r + 1}: {case}: {seconds[case][-1]:.2f} s", file=sys.stderr, flush=True)
    base = statistics.median(seconds["no LM"])
    print(f"\n{a.steps} SFT steps, median of {a.rounds} rounds\n\n| case | seconds | vs no LM |\n|---|---|---|")
    medians = {case: statistics.median(s) for case, s in seconds.items()}
    for case, m in medians.items():
        print(f"| {case} | {m:.2f} | {m / base:.2f}x |")
    return medians


if __name__ == "__main__":
    main()
