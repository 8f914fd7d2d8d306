"""The sweep summary shows only what varies between the runs, readable in the plot, unescaped in the CSV, and
names the compiler that actually ran in each run."""
from __future__ import annotations

import csv
import json

from crux_program.evaluation.multirun import collect_runs, parse_overrides, summarize_sweep


def _job(sweep, num: int, overrides: list[str], p1: float, compiler: str = "none") -> None:
    run = sweep / str(num)
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    (run / "metrics.json").write_text(json.dumps({"pass@1": p1, "n_problems": 2, "n_samples": 2, "passed": 1,
                                                  "labels": {"compiler": compiler}}))


def test_only_the_varying_settings_are_columns_and_hydra_escapes_are_gone(tmp_path, capsys):
    shared = ["lm=openai", "lm.model=NAME", "lm.api_base=http\\://localhost\\:8000/v1"]
    _job(tmp_path, 0, [*shared, "task.eval.temperature=0.2"], 0.5)
    _job(tmp_path, 1, [*shared, "task.eval.temperature=0.8"], 0.25)
    summary = summarize_sweep(tmp_path)
    assert summary.varying == ["task.eval.temperature"]
    assert summary.shared["lm.api_base"] == "http://localhost:8000/v1"
    printed = capsys.readouterr().out
    assert "| 0 | 0.2 | none | 0.5000 |" in printed and "| 1 | 0.8 | none | 0.2500 |" in printed
    rows = list(csv.DictReader((tmp_path / "summary.csv").open()))
    assert [r["task.eval.temperature"] for r in rows] == ["0.2", "0.8"] and rows[0]["compiler ran"] == "none"
    assert "\\" not in (tmp_path / "summary.csv").read_text()
    assert "lm.api_base=http://localhost:8000/v1" in rows[0]["overrides"]


def test_plot_labels_tell_the_runs_apart(tmp_path):
    long_prefix = ["data=verilog_eval", "data.limit=20", "lm=openai", "lm.model=Qwen/Qwen2.5-Coder-7B-Instruct"]
    _job(tmp_path, 0, [*long_prefix, "program=crux"], 0.5, "sft_grpo")
    _job(tmp_path, 1, [*long_prefix, "program=direct"], 0.25, "sft_grpo")
    summary = collect_runs(tmp_path)
    assert [summary.label(r) for r in summary.rows] == ["program=crux", "program=direct"]
    assert [r.compiler for r in summary.rows] == ["sft_grpo", "sft_grpo"]


def test_overrides_are_parsed_and_unescaped():
    assert parse_overrides(["a.b=http\\://h\\:1/v1", "x=[1,2]"]) == {"a.b": "http://h:1/v1", "x": "[1,2]"}


def test_a_long_setting_breaks_after_its_equals_sign_not_inside_its_value():
    from crux_program.evaluation.multirun import _wrap

    assert _wrap("program=crux") == "program=crux"
    assert _wrap("task.eval.temperature=0.2") == "task.eval.temperature=\n0.2"
