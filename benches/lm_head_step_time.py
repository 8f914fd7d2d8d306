"""TRL's fused LM head vs the plain one (optimizers.plain_lm_head) for SFT, side by side on the same steps.

    python -m benches.lm_head_step_time --data outputs/data/synthetic_seed0 --steps 60

Renders the curriculum's training split for the program (CruxPipeline by default), builds one tiny model from
it, then runs the SFT compiler's own training (`optimizers.sft_train.train_sft`) from that same initialisation
for the same number of steps with `lm_head=trl` and `lm_head=plain`, in turn, never at once. Prints seconds per
step, the speed-up, and the largest gap between the two runs' logged losses (the heads compute the same loss;
only float rounding differs). The ratio is what to compare across machines, not the seconds.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def main(argv: list[str] | None = None) -> dict[str, float]:
    from benches._sft_common import add_tiny_model_args, logged_losses, tiny_model_and_rows
    from optimizers.config import SFTSettings
    from optimizers.sft_train import train_sft

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_tiny_model_args(p, out="outputs/benches/lm_head_step_time")
    p.add_argument("--steps", type=int, default=60, help="SFT steps per head")
    p.add_argument("--optimizer", choices=["adamw", "muon"], default="muon")
    p.add_argument("--lr", type=float, default=2e-2)
    a = p.parse_args(argv)

    out = Path(a.out)
    model, rows = tiny_model_and_rows(Path(a.data), a.program, out, a.hidden, a.layers)
    seconds, losses = {}, {}
    for head in ("trl", "plain"):
        settings = SFTSettings(optimizer=a.optimizer, learning_rate=a.lr, max_steps=a.steps, lm_head=head,
                               per_device_train_batch_size=a.batch, device="cpu", logging_steps=10)
        report = train_sft(model, rows, settings, out / head)
        seconds[head], losses[head] = report.seconds / max(report.steps, 1), logged_losses(out / head / "train_log.jsonl")
        print(f"lm_head={head}: {report.steps} steps in {report.seconds:.1f} s", flush=True)
    gap = max((abs(x - y) for x, y in zip(losses["trl"], losses["plain"])), default=float("nan"))
    print(f"\n| lm_head | s/step | logged losses (every 10 steps) |\n|---|---|---|")
    for head in ("trl", "plain"):
        print(f"| {head} | {seconds[head]:.3f} | {' '.join(f'{v:.3f}' for v in losses[head])} |")
    speedup = seconds["trl"] / seconds["plain"]
    print(f"\nplain head: {speedup:.2f}x faster per step; largest logged-loss gap {gap:.2e}")
    return {"trl_s_per_step": seconds["trl"], "plain_s_per_step": seconds["plain"], "speedup": speedup,
            "max_loss_gap": gap}


if __name__ == "__main__":
    main()
