"""The `data=corpus` command through run.py: a small corpus trained on with SFT, scored on VerilogEval, offline;
the run folder holds corpus_report.json and metrics.json, and a rerun reuses the prepared corpus."""
from __future__ import annotations

import json

from tests.crux_program.data.test_corpus_prep import _renamed_copies
from tests.test_run import TINY, run_py


def test_corpus_to_sft_to_verilog_eval_from_the_command_line(tmp_path):
    corpus = _renamed_copies(tmp_path)
    run_dir = tmp_path / "run"
    args = ["data=corpus", f"data.path={corpus}", "data.fields={task_id: id, spec: instruction, reference: output}",
            "data.test=verilog_eval", "data.limit=2", "data.progress=false", "compiler=sft",
            "compiler.settings.max_steps=2", *TINY, f"hydra.run.dir={run_dir}"]
    run_py(*args)
    report = json.loads((run_dir / "corpus_report.json").read_text())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["n_problems"] == 2
    assert report["rows_read"] == 20 and report["dropped"] == {"duplicate": 10} and report["kept"] == 10
    assert report["test"] == "verilog_eval" and report["test_problems"] == 156 and not report["reused"]
    assert report["crux"] == {"extracted": 10} and report["grpo_excluded"] == {}
    run_py(*args)
    assert json.loads((run_dir / "corpus_report.json").read_text())["reused"]
