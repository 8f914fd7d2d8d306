"""The GRPO benches: the GPU step-time script runs its whole path on CPU with a tiny shape, and the reward-time
script reads a report and judges it against the 10% target."""
from __future__ import annotations

import json
import os

from benches.grpo_reward_time import RewardShare, share_from_report

for _key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ[_key] = "1"


def test_gpu_step_time_runs_on_cpu_with_a_tiny_shape(tmp_path, capsys):
    from benches.grpo_gpu_step_time import run

    report = run("tiny", steps=1, device="cpu", out=tmp_path, completion_tokens=4, lora=None)
    assert report.steps == 1 and len(report.step_s) == 1 and len(report.generation_s) >= 1
    assert report.reward_s and json.loads((tmp_path / "step_times.json").read_text())["shape"] == "tiny"
    assert "reward time / step time" in capsys.readouterr().out


def test_reward_time_reads_a_report_and_judges_the_ten_percent_target():
    share = share_from_report({"steps": 4, "mean_step_s": 10.0, "mean_generation_s": 6.0, "mean_reward_s": 1.5,
                               "reward_fraction": 0.15, "realise_s": 4.0, "sim_fraction": 0.05})
    assert isinstance(share, RewardShare) and "misses the 10% target" in "\n".join(share.lines())
