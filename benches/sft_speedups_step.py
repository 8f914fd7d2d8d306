"""The three CPU speed-ups of an SFT step, each on and off, side by side on the same steps.

    python -m benches.sft_speedups_step --data outputs/data/synthetic_seed0 --program direct --steps 100

The speed-ups (all on by default in the SFT compiler; docs/COMPILERS.md):
- malloc:   glibc keeps freed buffers (`optimizers.cpu_malloc`) instead of re-mapping them every step;
- causal:   the plain LM head drops a right-padding-only attention mask, so SDPA runs its causal kernel
            (`optimizers.plain_lm_head._drop_right_padding_mask`);
- ns_stack: Muon orthogonalises equally shaped matrices as one stack (`optimizers.muon`).

Renders the training split for the program, builds one tiny model from it, then trains it with the SFT
compiler's own `train_sft` once per configuration (all off; each one alone; all on), each in a fresh process
(the allocator setting cannot be undone inside one), for the same number of steps from the same
initialisation, in `--rounds` interleaved rounds so that the machine's drift hits every configuration alike.
Prints a table: the median seconds per step of each run's second half (steady state), the speed-up over
"all off" (> 1: faster), and the largest gap between each configuration's logged losses and those of "all off"
(the first two change no arithmetic; the stacked Newton-Schulz changes float rounding only). Compare the ratios across machines, not the seconds.
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
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from transformers import TrainerCallback  # noqa: E402  (after the offline switches)

from benches._sft_common import add_tiny_model_args, logged_losses, tiny_model_and_rows  # noqa: E402

SPEEDUPS = ("malloc", "causal", "ns_stack")
CONFIGS = {"all off": (), "malloc": ("malloc",), "causal": ("causal",), "ns_stack": ("ns_stack",),
           "all on": SPEEDUPS}


class _StepClock(TrainerCallback):
    """Times every step; `steady_s_per_step` is the median over the second half of the run.

    The first half is left out because glibc's allocator adapts its own thresholds as a process runs, so the
    first steps of a short run exaggerate what `malloc` buys over a ten-minute one.
    """

    def __init__(self) -> None:
        self.times: list[float] = []

    def on_step_end(self, args, state, control, **kwargs):
        self.times.append(time.perf_counter())
        return control

    def steady_s_per_step(self) -> float:
        gaps = [b - a for a, b in zip(self.times, self.times[1:])]
        return statistics.median(gaps[len(gaps) // 2:]) if gaps else float("nan")


def _worker(model: Path, rows_file: Path, out: Path, on: tuple[str, ...], steps: int, lr: float, batch: int) -> None:
    """One training run in this process with only the speed-ups in `on`; writes out/result.json."""
    import optimizers.muon as muon
    import optimizers.plain_lm_head as plain_lm_head
    from optimizers import cpu_malloc
    from optimizers.config import SFTSettings
    from optimizers.render import RenderedExample
    from optimizers.sft_train import train_sft

    if "malloc" not in on:
        cpu_malloc._applied = False  # as if already decided: glibc keeps its defaults
    if "causal" not in on:
        plain_lm_head._drop_right_padding_mask = lambda kwargs: None
    if "ns_stack" not in on:
        muon.NS_MAX_ELEMENTS = 1  # one matrix per stack: the per-matrix Newton-Schulz of before
    rows = [RenderedExample(**r) for r in map(json.loads, rows_file.read_text().splitlines())]
    settings = SFTSettings(optimizer="muon", learning_rate=lr, max_steps=steps, per_device_train_batch_size=batch,
                           device="cpu", logging_steps=10, lm_head="plain")
    clock = _StepClock()
    train_sft(model, rows, settings, out, callbacks=[clock])
    (out / "result.json").write_text(json.dumps({"s_per_step": clock.steady_s_per_step(),
                                                 "losses": logged_losses(out / "train_log.jsonl")}))


def main(argv: list[str] | None = None) -> dict[str, float]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_tiny_model_args(p, out="outputs/benches/sft_speedups_step", program="direct", layers=2)
    p.add_argument("--steps", type=int, default=100, help="SFT steps per run")
    p.add_argument("--rounds", type=int, default=2, help="interleaved repetitions of every configuration")
    p.add_argument("--rows", type=int, default=1500, help="training rows per run (fewer: less set-up per run)")
    p.add_argument("--lr", type=float, default=4e-2)
    p.add_argument("--worker", nargs=3, metavar=("MODEL", "ROWS", "OUT"), help=argparse.SUPPRESS)
    p.add_argument("--on", default="", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        _worker(Path(a.worker[0]), Path(a.worker[1]), Path(a.worker[2]), tuple(filter(None, a.on.split(","))),
                a.steps, a.lr, a.batch)
        return {}

    from dataclasses import asdict

    out = Path(a.out)
    model, rows = tiny_model_and_rows(Path(a.data), a.program, out, a.hidden, a.layers)
    rows_file = out / "rows.jsonl"
    rows_file.write_text("".join(json.dumps(asdict(r)) + "\n" for r in rows[: a.rows]))
    times: dict[str, list[float]] = {name: [] for name in CONFIGS}
    losses: dict[str, list[float]] = {}
    for round_ in range(a.rounds):
        order = list(CONFIGS) if round_ % 2 == 0 else list(reversed(CONFIGS))
        for name in order:
            run = out / f"round{round_}" / name.replace(" ", "_")
            subprocess.run([sys.executable, "-m", "benches.sft_speedups_step", "--data", a.data, "--steps",
                            str(a.steps), "--lr", str(a.lr), "--batch", str(a.batch), "--on",
                            ",".join(CONFIGS[name]), "--worker", str(model), str(rows_file), str(run)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            result = json.loads((run / "result.json").read_text())
            times[name].append(result["s_per_step"])
            losses.setdefault(name, result["losses"])
            print(f"round {round_ + 1}/{a.rounds} {name}: {result['s_per_step']:.3f} s/step", flush=True)
    base = statistics.median(times["all off"])
    print(f"\n| configuration | s/step (median of {a.rounds}) | speed-up | largest logged-loss gap to all off |")
    print("|---|---|---|---|")
    summary = {}
    for name in CONFIGS:
        median = statistics.median(times[name])
        gap = max((abs(x - y) for x, y in zip(losses[name], losses["all off"])), default=float("nan"))
        summary[name] = base / median
        print(f"| {name} | {median:.3f} | {base / median:.2f}x | {gap:.1e} |")
    return summary


if __name__ == "__main__":
    main()
