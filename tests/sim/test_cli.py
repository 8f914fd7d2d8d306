"""`python -m sim score`: verdict lines in input order, summary last, bad lines reported not fatal."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sim.loaders import load_problems, reference_as_candidate
from tests.interrupt import ctrl_c_when

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def test_score_samples_with_bad_lines(verilog_eval_dir, tmp_path):
    problems = {p.task_id: p for p in load_problems(verilog_eval_dir)}
    good = reference_as_candidate(problems["Prob001_zero"])
    samples = tmp_path / "samples.jsonl"
    lines = [
        json.dumps({"task_id": "Prob034_dff8", "completion": "no code"}),
        json.dumps({"task_id": "Prob001_zero", "completion": f"```verilog\n{good}\n```"}),
        "{not json",
        json.dumps({"task_id": "Prob999_nope", "completion": good}),
        json.dumps({"task_id": "Prob001_zero", "completion": good.replace("1'b0", "1'b1")}),
    ]
    samples.write_text("\n".join(lines) + "\n")
    out = tmp_path / "verdicts.jsonl"
    proc = _run("score", "--problems", str(verilog_eval_dir), "--samples", str(samples), "--out", str(out),
                "--jobs", "2")
    assert proc.returncode == 1, proc.stderr  # some lines were skipped
    assert proc.stdout.strip().splitlines()[-1] == "scored 3 samples: 1 passed, 2 failed"
    assert f"{samples}:3: malformed sample line" in proc.stderr
    assert f"{samples}:4: unknown task id 'Prob999_nope'" in proc.stderr
    rows = [json.loads(ln) for ln in out.read_text().splitlines()]
    assert [r["task_id"] for r in rows] == ["Prob034_dff8", "Prob001_zero", "Prob001_zero"]
    assert [r["status"] for r in rows] == ["no_code", "pass", "mismatch"]
    assert set(rows[0]) == {"task_id", "passed", "status", "mismatches", "samples", "seconds", "feedback", "simulator"}
    assert rows[0]["simulator"].startswith("Icarus Verilog version")


def test_score_references_rtllm(rtllm_dir, tmp_path):
    out = tmp_path / "v.jsonl"
    proc = _run("score", "--problems", str(rtllm_dir), "--references", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "scored 10 samples: 8 passed, 2 failed"
    assert len(out.read_text().splitlines()) == 10


def test_missing_problems_folder(tmp_path):
    proc = _run("score", "--problems", str(tmp_path / "missing"), "--references", "--out", str(tmp_path / "v"))
    assert proc.returncode == 2 and str(tmp_path / "missing") in proc.stderr


def test_resume_scores_only_the_rest(rtllm_dir, tmp_path):
    out = tmp_path / "v.jsonl"
    assert _run("score", "--problems", str(rtllm_dir), "--references", "--out", str(out)).returncode == 0
    full = out.read_text().splitlines()
    out.write_text("\n".join(full[:4]) + "\n" + full[4][:10])  # an interrupted run: 4 rows and a torn line
    proc = _run("score", "--problems", str(rtllm_dir), "--references", "--out", str(out), "--resume")
    assert proc.returncode == 0 and "resuming: 4 verdicts" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "scored 10 samples: 8 passed, 2 failed"
    assert [json.loads(a)["task_id"] for a in out.read_text().splitlines()] == \
        [json.loads(b)["task_id"] for b in full]


def _live_under(folder: Path) -> list[str]:
    """Processes still running with their working folder under `folder` (a zombie has no cwd to read)."""
    found = []
    for cwd in Path("/proc").glob("[0-9]*/cwd"):
        try:
            if Path(os.readlink(cwd)).is_relative_to(folder):
                found.append((cwd.parent / "comm").read_text().strip())
        except OSError:
            continue
    return found


def test_ctrl_c_keeps_the_verdicts_stops_the_simulations_and_resume_finishes(verilog_eval_dir, tmp_path):
    """Ctrl-C reaches the whole foreground group: a message, exit 130, every verdict written so far kept whole,
    no simulator left running, and `--resume` scores exactly the rest."""
    out, sims = tmp_path / "v.jsonl", tmp_path / "sims"
    sims.mkdir()
    cmd = [sys.executable, "-m", "sim", "score", "--problems", str(verilog_eval_dir), "--references", "--out",
           str(out), "--jobs", "2"]
    status, stderr = ctrl_c_when(cmd, lambda: out.exists() and len(out.read_text().splitlines()) >= 3, cwd=REPO,
                                 env={**os.environ, "TMPDIR": str(sims)}, exit_timeout_s=20)
    kept = [json.loads(line) for line in out.read_text().splitlines()]  # every line whole
    assert status == 130 and "--resume" in stderr and "Traceback" not in stderr, stderr[-800:]
    total = len(load_problems(verilog_eval_dir))
    assert 3 <= len(kept) < total
    for _ in range(40):  # killed groups may take a moment to go
        if not _live_under(sims):
            break
        time.sleep(0.05)
    assert _live_under(sims) == []
    resumed = _run(*cmd[3:], "--resume")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert resumed.returncode == 0 and f"resuming: {len(kept)} verdicts" in resumed.stderr
    assert [r["task_id"] for r in rows] == [p.task_id for p in load_problems(verilog_eval_dir)]
    assert rows[:len(kept)] == kept


def test_score_says_what_to_do_where_isolation_cannot_start(verilog_eval_dir, tmp_path):
    """Without bubblewrap on PATH the judge refuses to run untrusted code, naming the fix and the opt-out."""
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("iverilog", "vvp", "prlimit", "setpriv", "sh"):
        found = shutil.which(tool)
        if found:
            (bare / tool).symlink_to(found)
    env = {**os.environ, "PATH": str(bare)}
    args = ["score", "--problems", str(verilog_eval_dir), "--references", "--out", str(tmp_path / "v.jsonl")]
    proc = subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2 and "bubblewrap" in proc.stderr and "--isolation none" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
