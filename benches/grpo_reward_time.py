"""Reward time as a fraction of GRPO step time (target: at most 10% in the default run). Prints the figures.

    python -m benches.grpo_reward_time --run outputs/eval/<run>/compiler/grpo     # a finished run's grpo_report.json
    python -m benches.grpo_reward_time --data DIR --model MODEL_DIR --steps 10    # time a fresh GRPO stage

The second form runs `GRPOCompiler` with the default `GRPOSettings` (those of conf/compiler/grpo.yaml) on the
curriculum's train split in DIR (`crux_program.data.triplet.load_split`) and the local model folder MODEL_DIR
(the tiny model, or the SFT checkpoint of a run, which is what GRPO starts from in the default pipeline).
Step time is the optimizer step's wall time; generation time is TRL's generation call; reward time is the wall
time of scoring each batch (simulation, CRUX parsing, interface checks and the policy's greedy realisation of
each CRUX, which is generation paid inside the reward). Prints mean step, generation and reward seconds and
reward time / step time against the 10% target, then the share left once the policy's own realisation is taken
out (what simulation and checking cost alone).
"""
from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class RewardShare:
    """The benchmark's figures for one GRPO run."""

    steps: int
    mean_step_s: float
    mean_generation_s: float
    mean_reward_s: float
    reward_fraction: float
    realise_s: float = 0.0
    sim_fraction: float = 0.0

    def lines(self) -> list[str]:
        verdict = "meets" if self.reward_fraction <= 0.10 else "misses"
        return [f"steps: {self.steps}", f"mean step time: {self.mean_step_s:.3f} s",
                f"mean generation time: {self.mean_generation_s:.3f} s",
                f"mean reward time: {self.mean_reward_s:.3f} s",
                f"reward / step time: {self.reward_fraction:.1%} ({verdict} the 10% target)",
                f"  of which CRUX realisation by the policy (generation inside the reward): {self.realise_s:.2f} s "
                f"in all; without it, reward / step time: {self.sim_fraction:.1%}"]


def share_from_report(report: dict) -> RewardShare:
    """The figures from a `grpo_report.json` (written by GRPOCompiler)."""
    return RewardShare(report["steps"], report["mean_step_s"], report["mean_generation_s"], report["mean_reward_s"],
                       report["reward_fraction"], report.get("realise_s", 0.0), report.get("sim_fraction", 0.0))


def find_report(run: Path) -> Path:
    """grpo_report.json in `run` or below it (a whole run folder, or an sft_grpo run's grpo/ stage)."""
    if run.is_file():
        return run
    found = sorted(run.rglob("grpo_report.json"))
    if not found:
        raise FileNotFoundError(f"No grpo_report.json under {run}: point --run at a folder a GRPO run wrote.")
    return found[-1]


def time_fresh_run(data: Path, model: Path, steps: int, out: Path, examples: int | None) -> RewardShare:
    """Run a GRPO stage with default settings and return its figures."""
    import dspy

    from crux_program.data.triplet import load_split
    from crux_program.lm.local import LocalLM
    from crux_program.modules import CruxPipeline
    from optimizers.grpo.compiler import GRPOCompiler
    from optimizers.grpo.settings import GRPOSettings
    from sim.config import SimConfig

    trainset = [t.to_example() for t in load_split(data, "train")][:examples]
    program = CruxPipeline()
    program.set_lm(LocalLM(model, device="cpu"))
    compiler = GRPOCompiler(GRPOSettings(max_steps=steps, max_time_s=None), out, sim=SimConfig(mode="auto"))
    with dspy.context(adapter=dspy.ChatAdapter()):
        compiler.compile(program, trainset)
    return share_from_report(asdict(compiler.report))  # the GRPOReport it also wrote as grpo_report.json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a finished run folder (or its grpo_report.json)")
    parser.add_argument("--data", type=Path, help="curriculum folder with a train split")
    parser.add_argument("--model", type=Path, help="local model folder GRPO starts from")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--examples", type=int, default=None, help="cap on training examples")
    parser.add_argument("--out", type=Path, default=Path("outputs/benches/grpo_reward_time"))
    args = parser.parse_args()
    if args.run is not None:
        path = find_report(args.run)
        share = share_from_report(json.loads(path.read_text()))
        print(f"GRPO reward share from {path}")
    elif args.data is not None and args.model is not None:
        for key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
            os.environ.setdefault(key, "1")
        share = time_fresh_run(args.data, args.model, args.steps, args.out, args.examples)
        print(f"GRPO reward share, fresh run of {args.steps} steps on {args.data} from {args.model}")
    else:
        parser.error("give --run RUN_DIR, or --data DIR and --model MODEL_DIR")
    print("\n".join(share.lines()))


if __name__ == "__main__":
    main()
