"""run.py end to end, as a user runs it (subprocesses, offline, CPU): the tiny model, a served model behind a
local OpenAI-compatible server, a -m sweep, and unique run folders. Also: .ci/run runs the README's test command."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from sim.loaders import load_problems
from tests.crux_program.evaluation_standins import ReferenceEngine
from tests.openai_stub_server import OpenAIStubServer

REPO = Path(__file__).resolve().parent.parent
RUN_FOLDER_FILES = ["config.yaml", "samples.jsonl", "verdicts.jsonl", "metrics.json", "per_problem.csv",
                    "report.md", "report.png"]
# Short answers keep the untrained tiny model's CPU time small; its model folder is shared by the tests.
TINY = ["lm=tiny", "lm.max_tokens=12", f"lm.cache_dir={REPO / 'outputs' / '.models'}"]


def run_py(*overrides: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, str(REPO / "run.py"), *overrides], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"run.py {' '.join(overrides)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_served_model_through_an_openai_compatible_server(tmp_path, verilog_eval_dir):
    names = ["Prob001_zero", "Prob002_m2014_q4i", "Prob099_m2014_q6c"]  # the third reference fails upstream
    engine = ReferenceEngine([p for p in load_problems(verilog_eval_dir) if p.task_id in names])

    def reply(call) -> str:
        system = next((m["content"] for m in call.messages if m.get("role") == "system"), "")
        return engine.answer(system if isinstance(system, str) else "", call.last_user_text)

    with OpenAIStubServer(reply=reply, models=["stub-coder"]) as server:
        run_dir = tmp_path / "served"
        run_py("lm=openai", "lm.model=stub-coder", f"lm.api_base={server.base_url}", "data=verilog_eval",
               f"data.task_ids=[{','.join(names)}]", "data.limit=null", f"hydra.run.dir={run_dir}")
    assert all((run_dir / name).is_file() for name in RUN_FOLDER_FILES)  # hydra.run.dir is the run folder
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["pass@1"] == round(2 / 3, 6) and metrics["n_problems"] == 3
    assert {c["stage"] for c in engine.calls} == {"answer"} and len(engine.calls) == 3  # one call per problem


def test_tiny_model_runs_started_together_each_leave_a_complete_folder(tmp_path):
    """python run.py data=verilog_eval data.limit=5 lm=tiny, with a second (smaller) run started at the same moment:
    two folders, both complete."""
    base = [sys.executable, str(REPO / "run.py"), "data=verilog_eval", *TINY, f"paths.outputs={tmp_path}"]
    procs = [subprocess.Popen(base + extra, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              stdin=subprocess.DEVNULL) for extra in (["data.limit=5"], ["data.limit=1", "program=direct"])]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    folders = sorted(p.parent for p in (tmp_path / "eval").glob("*/metrics.json"))
    assert len(folders) == 2, f"expected two run folders, got {folders}"
    sizes = []
    for run_dir in folders:
        for name in RUN_FOLDER_FILES:
            assert (run_dir / name).is_file(), f"{name} missing from {run_dir}"
        metrics = json.loads((run_dir / "metrics.json").read_text())
        sizes.append(metrics["n_problems"])
        assert metrics["n_samples"] == metrics["n_problems"] == sum(metrics["status_counts"].values())
        assert 0.0 <= metrics["pass@1"] <= 0.2  # untrained: near 0, and honestly so
        resolved = (run_dir / "config.yaml").read_text()
        assert yaml.safe_load(resolved)["data"]["limit"] == metrics["n_problems"] and "${" not in resolved
    assert sorted(sizes) == [1, 5]


def test_multirun_sweep_ends_with_one_summary_table(tmp_path):
    proc = run_py("-m", "program=crux,direct", "data=verilog_eval", "data.limit=2", *TINY, f"paths.outputs={tmp_path}")
    assert "Sweep summary (2 runs" in proc.stdout
    table = proc.stdout[proc.stdout.index("Sweep summary"):]
    assert "| run | program | compiler ran | pass@1 |" in table  # one column for what varies
    assert "| 0 | crux | none |" in table and "| 1 | direct | none |" in table
    (sweep,) = (tmp_path / "eval").glob("multirun_*")
    assert (sweep / "summary.md").is_file() and (sweep / "summary.png").is_file()
    for job in ("0", "1"):
        assert all((sweep / job / name).is_file() for name in RUN_FOLDER_FILES)


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    command = next(line.strip() for line in readme.splitlines() if "pytest" in line and "setup.sh" in line)
    assert command in [line.strip() for line in ci.splitlines()], f"{command!r} is not a line of .ci/run"


def two_stage(tmp_path: Path) -> list[str]:
    """The main job's shape (synthetic curriculum, tiny model, sft_grpo) on a budget of seconds."""
    return ["data=synthetic", "data.synthetic.families=[mux,counter]", "data.synthetic.held_out_families=[counter]",
            "data.synthetic.size=40", "data.synthetic.check=compile", "data.synthetic.unseen_designs_per_family=1",
            "data.limit=2", "lm=tiny", "lm.max_tokens=12", f"lm.cache_dir={tmp_path / 'models'}",
            "lm.tiny.vocab_size=300", "compiler=sft_grpo", "compiler.sft.settings.max_steps=2",
            "compiler.grpo.settings.max_steps=1", "compiler.grpo.settings.max_completion_length=12",
            "compiler.grpo.settings.realise_max_new_tokens=12", f"paths.outputs={tmp_path}"]


def test_two_stage_pipeline_from_the_command_line(tmp_path):
    """The main job's shape on a tiny budget: curriculum build, untrained / SFT / GRPO evaluations, one stage table
    whose train-seconds column is filled for every trained stage, and both stages' checkpoints kept."""
    run_dir = tmp_path / "two_stage"
    proc = run_py(*two_stage(tmp_path), f"hydra.run.dir={run_dir}")
    assert all((run_dir / name).is_file() for name in RUN_FOLDER_FILES)
    table = (run_dir / "stages.md").read_text().splitlines()
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[1:-1]] for line in table[2:]}
    assert list(rows) == ["untrained", "sft", "grpo", "grpo (test_unseen)"], table  # held-out family: counter
    assert rows["untrained"][3] == "-" and float(rows["sft"][3]) > 0 and float(rows["grpo"][3]) > 0
    assert "| grpo |" in proc.stdout  # the table is printed at the end of the run
    for stage in ("sft", "grpo"):
        assert (run_dir / "compiler" / stage / "checkpoint" / "config.json").is_file()
    assert json.loads((run_dir / "metrics.json").read_text())["n_problems"] == 2


def test_a_single_compiler_reports_its_train_time(tmp_path):
    """compiler=sft has no stages of its own: its row's train seconds are the compile() call's wall time."""
    run_dir = tmp_path / "sft_only"
    run_py("program=direct", "data=synthetic", "data.synthetic.families=[mux]", "data.synthetic.held_out_families=[]",
           "data.synthetic.size=30", "data.synthetic.check=compile", "data.limit=1", "lm=tiny", "lm.max_tokens=12",
           f"lm.cache_dir={tmp_path / 'models'}", "lm.tiny.vocab_size=300", "compiler=sft",
           "compiler.settings.max_steps=1", f"paths.outputs={tmp_path}", f"hydra.run.dir={run_dir}")
    table = (run_dir / "stages.md").read_text().splitlines()
    sft = [c.strip() for c in table[-1].split("|")[1:-1]]
    assert sft[0] == "sft" and float(sft[3]) > 0


def test_a_stage_program_gives_back_its_model_after_its_evaluation():
    """compare_stages on a GPU: each stage's checkpoint is closed after its evaluation, the run's LM is not."""
    import dspy

    sys.path.insert(0, str(REPO))
    from crux_program.modules import CruxPipeline
    from run import release_lms

    class Closing(dspy.LM):
        def __init__(self):
            super().__init__("stub/model")
            self.closed = 0

        def close(self):
            self.closed += 1

    run_lm, stage_lm = Closing(), Closing()
    program = CruxPipeline()
    program.spec_to_crux.lm, program.crux_to_verilog.lm = stage_lm, run_lm
    release_lms(program, keep=run_lm)
    assert (stage_lm.closed, run_lm.closed) == (1, 0)
    assert all(p.lm is None for p in program.predictors())


def test_ctrl_c_says_how_to_resume_and_the_rerun_generates_only_the_rest(tmp_path, verilog_eval_dir):
    """Ctrl-C in the middle of an evaluation: exit 130 with the resume command, no traceback, every sample written
    so far kept; the same command with that run folder asks the model only for the missing answers."""
    import time

    from tests.interrupt import ctrl_c_when

    problems = load_problems(verilog_eval_dir)[:6]
    engine = ReferenceEngine(problems)
    slow = {"on": True}

    def reply(call) -> str:
        if slow["on"]:
            time.sleep(0.7)  # slow enough to interrupt between answers
        system = next((m["content"] for m in call.messages if m.get("role") == "system"), "")
        return engine.answer(system if isinstance(system, str) else "", call.last_user_text)

    run_dir = tmp_path / "run"
    with OpenAIStubServer(reply=reply, models=["stub-coder"]) as server:
        args = ["lm=openai", "lm.model=stub-coder", f"lm.api_base={server.base_url}", "data=verilog_eval",
                f"data.task_ids=[{','.join(p.task_id for p in problems)}]", "data.limit=null",
                "task.eval.num_threads=1", f"hydra.run.dir={run_dir}"]
        samples = run_dir / "samples.jsonl"
        status, stderr = ctrl_c_when([sys.executable, str(REPO / "run.py"), *args],
                                     lambda: samples.exists() and bool(samples.read_text().strip()), cwd=REPO,
                                     ready_timeout_s=300)
        kept = [json.loads(line) for line in samples.read_text().splitlines()]
        assert status == 130 and f"hydra.run.dir={run_dir}" in stderr, stderr[-2000:]
        assert "Traceback" not in stderr and 1 <= len(kept) < len(problems)
        slow["on"] = False
        engine.calls.clear()
        run_py(*args)
    asked = {c["task_id"] for c in engine.calls}
    assert asked == {p.task_id for p in problems} - {s["task_id"] for s in kept}
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["n_problems"] == len(problems)


def test_ctrl_c_in_the_grpo_stage_keeps_the_sft_stage_for_the_rerun(tmp_path):
    """Ctrl-C once SFT has finished: the rerun with the printed hydra.run.dir reuses the SFT checkpoint and its
    evaluations (nothing retrained, nothing regenerated) and trains only GRPO."""
    from tests.interrupt import ctrl_c_when

    run_dir = tmp_path / "two_stage"
    args = [*two_stage(tmp_path), f"hydra.run.dir={run_dir}"]
    sft_done = run_dir / "compiler" / "sft" / "compile_key.json"
    status, stderr = ctrl_c_when([sys.executable, str(REPO / "run.py"), *args], sft_done.exists, cwd=REPO,
                                 ready_timeout_s=400)
    assert status == 130 and f"hydra.run.dir={run_dir}" in stderr and "Traceback" not in stderr, stderr[-3000:]
    assert not (run_dir / "compiler" / "grpo" / "compile_key.json").exists()  # GRPO did not finish
    sft_weights = run_dir / "compiler" / "sft" / "checkpoint" / "model.safetensors"
    stamp, untrained = sft_weights.stat().st_mtime_ns, (run_dir / "stages" / "untrained" / "samples.jsonl")
    untrained_samples = untrained.read_text()

    proc = run_py(*args)
    said = proc.stdout + proc.stderr
    assert "reusing the finished sft compile" in said and "reusing the finished grpo" not in said, said[-3000:]
    assert sft_weights.stat().st_mtime_ns == stamp
    assert untrained.read_text() == untrained_samples and not (untrained.parent / "stale-1").exists()
    assert (run_dir / "compiler" / "grpo" / "compile_key.json").is_file()
    stages = json.loads((run_dir / "compiler" / "stages.json").read_text())
    assert [(s["name"], s["reused"]) for s in stages] == [("sft", True), ("grpo", False)]
    assert stages[0]["report"]["steps"] == 2 and stages[0]["seconds"] > 0
    table = (run_dir / "stages.md").read_text()
    assert "| untrained |" in table and "| sft |" in table and "| grpo |" in table
