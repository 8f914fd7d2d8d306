"""AdamW vs Muon for SFT of the from-scratch tiny model, side by side at equal wall time.

    python -m benches.adamw_vs_muon --data outputs/data/synthetic_seed0 --seconds 150

Renders the curriculum's training split for the program (CruxPipeline by default), builds one tiny model from
it, then runs the SFT compiler's own training (`optimizers.sft_train.train_sft`) from that same initialisation
once per optimizer, each for the same wall time with the learning rate annealed over it, and prints a table:
steps, answer loss at the end (mean of the last three logged values), token accuracy, and for Muon how many of
AdamW's steps its final loss took to reach. Both runs share the machine in turn, never at once; the ratios are
what to compare across machines, not the seconds.
"""
from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@dataclass
class Curve:
    """One run's logged answer loss and token accuracy by step."""

    optimizer: str
    lr: float
    total_steps: int
    seconds: float
    steps: list[int]
    losses: list[float]
    accuracy: list[float]

    @classmethod
    def read(cls, optimizer: str, lr: float, total_steps: int, seconds: float, train_log: Path) -> "Curve":
        rows = [json.loads(line) for line in train_log.read_text().splitlines()]
        rows = [r for r in rows if "loss" in r]
        return cls(optimizer, lr, total_steps, seconds, [r["step"] for r in rows], [r["loss"] for r in rows],
                   [r.get("mean_token_accuracy", 0.0) for r in rows])

    def final(self, values: list[float]) -> float:
        tail = values[-3:]
        return sum(tail) / len(tail) if tail else float("nan")

    def first_step_at(self, loss: float) -> int | None:
        """The first logged step whose loss is at or below `loss`."""
        return next((s for s, v in zip(self.steps, self.losses) if v <= loss), None)


def main(argv: list[str] | None = None) -> list[Curve]:
    from benches._sft_common import add_tiny_model_args, tiny_model_and_rows
    from optimizers.config import SFTSettings
    from optimizers.sft_train import train_sft

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_tiny_model_args(p, out="outputs/benches/adamw_vs_muon")
    p.add_argument("--seconds", type=float, default=150.0, help="wall time per optimizer")
    p.add_argument("--adamw-lr", type=float, default=3e-3, help="AdamW's best rate for the tiny model in a sweep")
    p.add_argument("--muon-lr", type=float, default=2e-2)
    a = p.parse_args(argv)

    out = Path(a.out)
    model, rows = tiny_model_and_rows(Path(a.data), a.program, out, a.hidden, a.layers)
    curves = []
    for optimizer, lr in (("adamw", a.adamw_lr), ("muon", a.muon_lr)):
        settings = SFTSettings(optimizer=optimizer, learning_rate=lr, num_train_epochs=20, max_time_s=a.seconds,
                               per_device_train_batch_size=a.batch, device="cpu", logging_steps=10)
        report = train_sft(model, rows, settings, out / optimizer)
        curves.append(Curve.read(optimizer, lr, report.steps, report.seconds, out / optimizer / "train_log.jsonl"))
        print(f"{optimizer}: {report.steps} steps in {report.seconds:.0f} s", flush=True)
    adamw, muon = curves
    target = adamw.final(adamw.losses)
    reached = muon.first_step_at(target)
    print(f"\n| optimizer | lr | steps in {a.seconds:.0f} s | s/step | final loss | token accuracy |")
    print("|---|---|---|---|---|---|")
    for c in curves:
        print(f"| {c.optimizer} | {c.lr:g} | {c.total_steps} | {c.seconds / max(c.total_steps, 1):.2f} "
              f"| {c.final(c.losses):.3f} | {c.final(c.accuracy):.3f} |")
    if reached:
        muon_s = reached * muon.seconds / max(muon.total_steps, 1)
        print(f"\nMuon reached AdamW's final loss ({target:.3f}) at step {reached} of AdamW's {adamw.total_steps}: "
              f"{adamw.total_steps / reached:.2f}x fewer steps, {adamw.seconds / muon_s:.2f}x less time.")
    else:
        print(f"\nMuon did not reach AdamW's final loss ({target:.3f}) within the budget.")
    return curves


if __name__ == "__main__":
    main()
