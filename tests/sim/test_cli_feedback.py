"""`python -m sim score` rows carry the judge's feedback: why a sample failed (a compile error, a mismatch)."""
from __future__ import annotations

import json

from sim.loaders import load_problems, reference_as_candidate
from tests.user_commands import run_command


def test_score_rows_say_why_a_sample_failed(verilog_eval_dir, tmp_path):
    problem = next(p for p in load_problems(verilog_eval_dir) if p.task_id == "Prob001_zero")
    good = reference_as_candidate(problem)
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps({"task_id": "Prob001_zero", "completion": c}) + "\n" for c in
                               [good, good.replace("1'b0", "1'b1"), "no code here"]))
    out = tmp_path / "verdicts.jsonl"
    done = run_command(["python", "-m", "sim", "score", "--problems", str(verilog_eval_dir), "--samples",
                        str(samples), "--out", str(out), "--jobs", "1"])
    assert done.returncode == 0, done.console[-2000:]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["status"], r["feedback"]) for r in rows] == [
        ("pass", ""),
        ("mismatch", "Hint: Output 'zero' has 20 mismatches. First mismatch occurred at time 5."),
        ("no_code", "no Verilog module found in the answer")]
