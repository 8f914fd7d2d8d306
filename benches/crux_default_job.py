"""What each stage of the default job is worth, seed by seed: GRPO vs SFT continued, dual-space vs code-only
rewards, and the one-pass CRUX program vs the direct program — all from the same start, in the same wall time.

    python -m benches.crux_default_job --seeds 0 1 2 --out outputs/bench_default_job

Per seed S it runs (each a plain `run.py` command, printed before it runs; a finished one is reused):

- `main`: the default job itself (`python run.py seed=S`): base -> SFT -> dual-space GRPO on the one-pass CRUX
  program; its GRPO stage took G seconds of training;
- `sft_more`: from main's SFT checkpoint, SFT continued for G seconds (the GRPO stage's rival);
- `code_only`: from main's SFT checkpoint, GRPO for G seconds rewarding the code part alone (`spaces=[code]`);
- `direct` (with --direct): the direct program (spec -> Verilog) from the same base, SFT then GRPO with the
  default job's stage times: the baseline without CRUX.

Each arm is evaluated greedily on the same test_seen problems as the main job. Output: one markdown table per
arm and seed (pass@1, CRUX shares, mean credit), the per-arm means across seeds, and the differences the
default job is judged by (GRPO - SFT continued, dual - code-only, one-pass - direct), written to OUT/summary.md
and OUT/summary.json. A difference is reported whichever way it comes out.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ArmResult:
    """One arm's greedy figures on test_seen for one seed."""

    arm: str
    seed: int
    pass_at_1: float
    crux_parsed: float | None
    crux_interface_match: float | None
    train_seconds: float | None


def run(args: list[str], log: Path) -> None:
    """One run.py command, its output kept in `log`; a failure stops the benchmark with the log's tail."""
    command = [sys.executable, str(ROOT / "run.py"), *args]
    print("$ " + " ".join(command[1:]), flush=True)
    with log.open("w") as out:
        code = subprocess.call(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if code != 0:
        sys.exit(f"run.py failed ({code}); the end of {log}:\n" + "".join(log.read_text().splitlines(True)[-20:]))


def metrics(folder: Path) -> dict:
    return json.loads((folder / "metrics.json").read_text())


def arm_result(arm: str, seed: int, folder: Path, seconds: float | None) -> ArmResult:
    m = metrics(folder)
    return ArmResult(arm, seed, float(m["pass@1"]), m.get("crux_parsed"), m.get("crux_interface_match"), seconds)


def stage_seconds(main: Path) -> dict[str, float]:
    """Training seconds of each stage of a finished main job (its stages.json)."""
    rows = json.loads((main / "stages.json").read_text())
    return {r["stage"]: float(r["train_seconds"]) for r in rows if r.get("train_seconds") is not None}


def once(folder: Path, args: list[str]) -> None:
    """Run `args` into `folder` unless a finished run is there already."""
    if not (folder / "metrics.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        run([*args, f"hydra.run.dir={folder}"], folder.parent / f"{folder.name}.log")


def stage_settings(main: Path, stage: str) -> list[str]:
    """`compiler.settings.KEY=VALUE` for every plain setting of the main job's `stage` (its resolved config)."""
    import yaml

    settings = yaml.safe_load((main / "config.yaml").read_text())["compiler"][stage]["settings"]
    return [f"compiler.settings.{k}={'null' if v is None else v}" for k, v in settings.items()
            if k not in ("_target_", "max_time_s") and isinstance(v, (int, float, str, type(None)))]


def seed_arms(out: Path, seed: int, extra: list[str], direct: bool, main_only: bool = False) -> list[ArmResult]:
    main = out / f"main_s{seed}"
    once(main, [f"seed={seed}", *extra])
    seconds = stage_seconds(main)
    results = [arm_result("base", seed, main / "stages" / "base", None),
               arm_result("sft", seed, main / "stages" / "sft", seconds.get("sft")),
               arm_result("grpo", seed, main, seconds.get("grpo"))]
    if main_only:
        return results
    grpo_s = max(int(seconds.get("grpo", 0)), 1)
    start = [f"seed={seed}", f"lm.model={main / 'compiler' / 'sft' / 'checkpoint'}", "task.compare_stages=false",
             "task.time_budget_s=null", "task.unseen_limit=0", *extra]
    # each rival runs with the main job's own stage settings, only its clock set to the GRPO stage's time
    once(out / f"sft_more_s{seed}", [*start, "compiler=sft", *stage_settings(main, "sft"),
                                     f"compiler.settings.max_time_s={grpo_s}"])
    results.append(arm_result("sft_more", seed, out / f"sft_more_s{seed}", grpo_s))
    once(out / f"code_only_s{seed}", [*start, "compiler=grpo", *stage_settings(main, "grpo"),
                                      "compiler.settings.spaces=[code]", f"compiler.settings.max_time_s={grpo_s}"])
    results.append(arm_result("code_only", seed, out / f"code_only_s{seed}", grpo_s))
    if direct:
        folder = out / f"direct_s{seed}"
        once(folder, [f"seed={seed}", "program=direct", "task.time_budget_s=null", "task.unseen_limit=0",
                      f"compiler.sft.settings.max_time_s={int(seconds.get('sft', 1))}",
                      f"compiler.grpo.settings.max_time_s={grpo_s}", "compiler.grpo.settings.spaces=[code]", *extra])
        results.append(arm_result("direct", seed, folder, seconds.get("sft", 0) + grpo_s))
    return results


def summary(results: list[ArmResult]) -> tuple[str, dict]:
    arms = list(dict.fromkeys(r.arm for r in results))
    seeds = sorted({r.seed for r in results})
    by = {(r.arm, r.seed): r for r in results}
    lines = ["| arm | " + " | ".join(f"seed {s}" for s in seeds) + " | mean pass@1 | mean CRUX interface |",
             "|---|" + "---|" * (len(seeds) + 2)]
    means = {}
    for arm in arms:
        rows = [by[(arm, s)] for s in seeds if (arm, s) in by]
        means[arm] = mean(r.pass_at_1 for r in rows)
        iface = [r.crux_interface_match for r in rows if r.crux_interface_match is not None]
        cells = [f"{by[(arm, s)].pass_at_1:.3f}" if (arm, s) in by else "-" for s in seeds]
        iface_cell = f"{mean(iface):.3f}" if iface else "-"
        lines.append(f"| {arm} | " + " | ".join(cells) + f" | {means[arm]:.3f} | {iface_cell} |")
    diffs = {name: round(100 * (means[a] - means[b]), 1) for name, a, b in
             (("sft - base (points)", "sft", "base"), ("grpo - sft (points)", "grpo", "sft"),
              ("grpo - sft_more (points)", "grpo", "sft_more"), ("dual - code_only (points)", "grpo", "code_only"),
              ("one_pass - direct (points)", "grpo", "direct")) if a in means and b in means}
    lines += ["", "| difference of means | points |", "|---|---|"] + [f"| {k} | {v:+.1f} |" for k, v in diffs.items()]
    return "\n".join(lines), {"results": [asdict(r) for r in results], "means": means, "differences": diffs}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench_default_job")
    p.add_argument("--direct", action="store_true", help="also the direct program's arm (one more job per seed)")
    p.add_argument("--main-only", action="store_true", help="only the main job per seed (its three stages)")
    p.add_argument("overrides", nargs="*", help="extra run.py overrides for every arm (e.g. data.limit=60)")
    a = p.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    results = [r for seed in a.seeds for r in seed_arms(a.out, seed, a.overrides, a.direct, a.main_only)]
    table, data = summary(results)
    (a.out / "summary.md").write_text(table + "\n")
    (a.out / "summary.json").write_text(json.dumps(data, indent=2))
    print(table)


if __name__ == "__main__":
    main()
