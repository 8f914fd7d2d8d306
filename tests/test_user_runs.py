"""Commands mean what they say, quietly: a served model with the default compiler evaluates without compiling and
says so in one line; its report names the compiler that ran; the client libraries print nothing per call; what
a compiler wrote loads back through program.state; the README's served-model sweep completes; a missing-field
message's suggested override works as printed."""
from __future__ import annotations

import json

from crux_program.data.sources import JsonlData
from sim.loaders import load_problems
from tests.crux_program.evaluation_standins import ReferenceEngine
from tests.openai_stub_server import OpenAIStubServer
from tests.user_commands import run_py

NAMES = ["Prob001_zero", "Prob002_m2014_q4i"]
# A small curriculum (two families, compile-checked) standing in for the default one, so a run takes seconds.
SMALL_CURRICULUM = ["data.synthetic.families=[mux,counter]", "data.synthetic.held_out_families=[counter]",
                    "data.synthetic.size=40", "data.synthetic.check=compile",
                    "data.synthetic.unseen_designs_per_family=1", "data.limit=2"]


def _reference_server(problems) -> OpenAIStubServer:
    engine = ReferenceEngine(problems)

    def reply(call) -> str:
        system = next((m["content"] for m in call.messages if m.get("role") == "system"), "")
        try:
            return engine.answer(system if isinstance(system, str) else "", call.last_user_text)
        except LookupError:  # a problem it has no reference for: a well-formed wrong answer
            return "[[ ## verilog ## ]]\nmodule m; endmodule\n\n[[ ## completed ## ]]"

    return OpenAIStubServer(reply=reply, models=["stub-coder"])


def test_a_served_model_with_the_default_compiler_evaluates_and_reloads_its_program(tmp_path, verilog_eval_dir):
    problems = [p for p in load_problems(verilog_eval_dir) if p.task_id in NAMES]
    run_dir, again = tmp_path / "served", tmp_path / "reloaded"
    with _reference_server(problems) as server:
        served = ["lm=openai", "lm.model=stub-coder", f"lm.api_base={server.base_url}", "data=verilog_eval",
                  f"data.task_ids=[{','.join(NAMES)}]"]
        first = run_py(*served, f"hydra.run.dir={run_dir}")
        assert first.returncode == 0, first.console[-3000:]
        second = run_py(*served, f"program.state={run_dir / 'compiler' / 'program.json'}", "compiler=none",
                        f"hydra.run.dir={again}")
        assert second.returncode == 0, second.console[-3000:]
    said = [line for line in first.console.splitlines() if "nothing to learn from" in line]
    assert len(said) == 1 and "(compiler=none)" in said[0]
    title = (run_dir / "report.md").read_text().splitlines()[0]
    assert title == "# crux_one_pass / openai:stub-coder / verilog_eval / none", title
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["labels"]["compiler"] == "none" and metrics["n_problems"] == 2
    for text in (first.console, (run_dir / "run.log").read_text()):  # quiet: no per-call client lines
        assert "LiteLLM" not in text and "HTTP Request" not in text
    assert json.loads((again / "metrics.json").read_text())["pass@1"] == metrics["pass@1"]


def test_client_logs_come_back_when_asked_for(tmp_path, verilog_eval_dir):
    problems = [p for p in load_problems(verilog_eval_dir) if p.task_id == NAMES[0]]
    with _reference_server(problems) as server:
        done = run_py("lm=openai", "lm.model=stub-coder", f"lm.api_base={server.base_url}", "data=verilog_eval",
                      f"data.task_ids=[{NAMES[0]}]", "compiler=none", "hydra.verbose=[LiteLLM]",
                      f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 0, done.console[-3000:]
    assert "LiteLLM" in (tmp_path / "run" / "run.log").read_text()


def test_the_readme_served_sweep_on_the_curriculum_completes_without_training(tmp_path):
    with _reference_server([]) as server:
        done = run_py("-m", "lm=openai", "lm.model=stub-coder", f"lm.api_base={server.base_url}",
                      "task.eval.temperature=0.2,0.8", *SMALL_CURRICULUM, f"paths.outputs={tmp_path}")
    assert done.returncode == 0, done.console[-3000:]
    assert done.console.count("fine-tunes a local model's weights and lm=openai is not one") == 2
    (sweep,) = (tmp_path / "eval").glob("multirun_*")
    table = (sweep / "summary.md").read_text()
    assert "| run | task.eval.temperature | compiler ran |" in table and "| 1 | 0.8 | none |" in table


def test_the_suggested_field_mapping_works_as_printed(tmp_path):
    reference = "module wire_it(input a, output b);\n  assign b = a;\nendmodule\n"
    (tmp_path / "mine.jsonl").write_text(json.dumps({"task_id": "w", "instruction": "Module wire_it: b follows a.",
                                                     "output": reference}) + "\n")
    refused = run_py("data=jsonl", f"data.path={tmp_path}/mine.jsonl", "compiler=none",
                     f"hydra.run.dir={tmp_path / 'refused'}")
    hint = refused.stderr.split("map them: ", 1)[1].split()[:2]
    assert hint == ["data.fields.spec=NAME", "data.fields.reference=NAME"], refused.stderr
    mapped = [h.replace("NAME", n) for h, n in zip(hint, ["instruction", "output"])]
    problems = JsonlData(name="jsonl", path=str(tmp_path / "mine.jsonl"),
                         fields={"spec": "instruction", "reference": "output"}).load().test
    with _reference_server(problems) as server:
        done = run_py("data=jsonl", f"data.path={tmp_path}/mine.jsonl", *mapped, "lm=openai", "lm.model=stub-coder",
                      f"lm.api_base={server.base_url}", f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 0, done.console[-3000:]
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["n_problems"] == 1
