"""run.py end to end with fixed-prompt programs and with a server that fails: as a user runs it (subprocesses,
offline, CPU), against the local stand-in OpenAI server.

- the released-model preset (QiMeng-CRUX-V's protocol) sends its system prompt and the raw benchmark prompt,
  asks for 4,096 tokens, and its parsed CRUX lands in samples.jsonl;
- VerilogEval's own prompts go out byte for byte, code-complete answers come back with the interface;
- a server that fails some requests and then goes down: no failed call is judged as the model's failure, the
  run ends non-zero naming the missing samples, and the rerun asks only for those.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from crux_program.fixed_prompts.verilog_eval import official_prompt
from sim.loaders import load_problems, reference_as_candidate, reference_body
from tests.conftest import BENCHMARKS
from tests.crux_program.evaluation_standins import ReferenceEngine
from tests.openai_stub_server import OpenAIStubServer, StubHTTPError

REPO = Path(__file__).resolve().parent.parent
V2 = BENCHMARKS / "verilog-eval-v2"


def run_py(*overrides: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    return subprocess.run([sys.executable, str(REPO / "run.py"), *overrides], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def samples_of(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines() if line.strip()]


def qimeng_answer(problem) -> str:
    """An answer in the released model's format: CRUX sections, then the code under `## Code Implementation`."""
    return ("### 1. Module Interface\n**Module Name:** `TopModule`\n**Ports:**\n"
            "| Port | Direction | Width | Description |\n|---|---|---|---|\n| `out` | output | 1 | the output |\n\n"
            "### 2. Core Functions\n1. **Drive**: out is constant\n\n"
            "### 3. Key Considerations\n- No clock is involved\n\n"
            f"## Code Implementation\n```verilog\n{reference_as_candidate(problem)}```\n")


def test_released_model_preset_end_to_end(tmp_path):
    problems = load_problems(V2 / "dataset_spec-to-rtl")[:2]
    by_prompt = {p.spec: p for p in problems}
    with OpenAIStubServer(reply=lambda call: qimeng_answer(by_prompt[call.last_user_text]),
                          models=["qimeng"]) as server:
        run_dir = tmp_path / "qimeng"
        proc = run_py("experiment=qimeng_crux_v_greedy", "lm=openai", "lm.model=qimeng",
                      f"lm.api_base={server.base_url}", f"data.task_ids=[{','.join(p.task_id for p in problems)}]",
                      f"hydra.run.dir={run_dir}")
        calls = list(server.calls)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(calls) == 2
    for call in calls:
        assert [m["role"] for m in call.messages] == ["system", "user"]
        assert call.messages[0]["content"] == "You are a helpful assistant."
        assert call.messages[1]["content"] in by_prompt  # the raw benchmark prompt, nothing added
        assert call.body["max_tokens"] == 4096 and call.body["temperature"] == 0.0 and call.body["top_p"] == 0.01
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["pass@1"] == 1.0 and metrics["complete"] is True
    for sample in samples_of(run_dir):
        assert sample["crux"].startswith("## Module Interface") and "Module: TopModule" in sample["crux"]
        assert "- Drive: out is constant" in sample["crux"] and sample["completion"].startswith("module TopModule")


def test_rtllm_preset_adds_the_submodule_sentence():
    from hydra import compose, initialize_config_dir
    from hydra.utils import instantiate

    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        cfg = compose("config", overrides=["experiment=[qimeng_crux_v_rtllm,rtllm_v11]", "lm=openai", "lm.model=m"])
    program = instantiate(cfg.program.module)
    spec = "Implement a RAM.\n\nGive me the complete code.\n"
    assert program.messages(spec)[1]["content"] == (
        "Implement a RAM.If there are sub modules in the code, you need to implement them to form a complete "
        "executable Verilog code.\n\nGive me the complete code.")
    assert len(cfg.data.task_ids) == 29 and cfg.task.eval.n_samples == 20 and cfg.lm.max_tokens == 4096


def test_official_prompts_code_complete_end_to_end(tmp_path):
    folder = V2 / "dataset_code-complete-iccad2023"
    problems = load_problems(folder)[:3]
    by_user = {official_prompt(p.spec, "code_complete", 1, scripts_dir=V2 / "scripts").user: p for p in problems}
    with OpenAIStubServer(reply=lambda call: f"```verilog\n{reference_body(by_user[call.last_user_text])}```",
                          models=["m"]) as server:
        run_dir = tmp_path / "official"
        proc = run_py("program=verilog_eval_official", "program.module.shots=1", "data=verilog_eval",
                      "data.task=code_complete", f"data.task_ids=[{','.join(p.task_id for p in problems)}]",
                      "compiler=none", "lm=openai", "lm.model=m", f"lm.api_base={server.base_url}",
                      f"hydra.run.dir={run_dir}")
        calls = list(server.calls)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert all(call.messages[0]["content"].startswith("\nYou only complete chats") for call in calls)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["pass@1"] == 1.0, (run_dir / "verdicts.jsonl").read_text()
    for sample in samples_of(run_dir):  # the file sv-generate writes: the interface, then the body
        problem = next(p for p in problems if p.task_id == sample["task_id"])
        assert sample["completion"].startswith("\n" + problem.interface_prefix + "\n\n")


def test_failed_calls_are_missing_not_failures_and_the_rerun_asks_only_for_them(tmp_path):
    problems = load_problems(V2 / "dataset_spec-to-rtl")[:6]
    ids = [p.task_id for p in problems]
    engine = ReferenceEngine(problems)
    state = {"server": None}

    def answer(call) -> str:
        system = next((m["content"] for m in call.messages if m.get("role") == "system"), "")
        return engine.answer(system if isinstance(system, str) else "", call.last_user_text)

    def failing(call) -> str:
        user = call.last_user_text
        if problems[1].spec.strip() in user:
            raise StubHTTPError(503, "overloaded")  # one problem's requests fail
        if problems[4].spec.strip() in user:  # then the server goes down for good
            threading.Thread(target=state["server"].stop).start()
            raise StubHTTPError(500, "going down")
        return answer(call)

    run_dir = tmp_path / "run"
    server = state["server"] = OpenAIStubServer(reply=failing, models=["stub-coder"]).start()
    args = ["lm=openai", "lm.model=stub-coder", f"lm.api_base={server.base_url}", "lm.num_retries=0",
            "data=verilog_eval", f"data.task_ids=[{','.join(ids)}]", "compiler=none", "task.eval.num_threads=1",
            f"hydra.run.dir={run_dir}"]
    try:
        proc = run_py(*args)
    finally:
        server.stop()
    assert proc.returncode == 3, proc.stderr[-3000:]
    missing = [f"{ids[i]}#0" for i in (1, 4, 5)]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("incomplete: 3 sample(s) have no answer") and all(m in last for m in missing), last
    assert f"hydra.run.dir={run_dir}" in last
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["complete"] is False and metrics["missing_samples"] == 3 and sorted(metrics["missing"]) == missing
    assert metrics["pass@1"] == 1.0 and metrics["n_samples"] == 3  # the judged answers, none of the failed calls
    judged = {json.loads(line)["task_id"] for line in (run_dir / "verdicts.jsonl").read_text().splitlines()}
    assert judged == {ids[0], ids[2], ids[3]}
    assert "Incomplete:" in (run_dir / "report.md").read_text()

    engine.calls.clear()
    with OpenAIStubServer(reply=answer, models=["stub-coder"], port=server.port):
        again = run_py(*args)
    assert again.returncode == 0, again.stderr[-3000:]
    assert {c["task_id"] for c in engine.calls} == {ids[1], ids[4], ids[5]}
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["complete"] is True and metrics["missing_samples"] == 0
    assert metrics["pass@1"] == 1.0 and metrics["n_samples"] == 6


@pytest.mark.parametrize("program, stages", [("crux", {"crux", "code"}), ("crux_one_pass", {"answer"})])
def test_crux_program_answers_code_complete_with_whole_modules(tmp_path, program, stages):
    """The CRUX pipeline writes a whole module from the header in the prompt; scored as the official flow scores
    it (no interface put in front of a module that declares itself), reference answers pass."""
    problems = load_problems(V2 / "dataset_code-complete-iccad2023")[:3]
    engine = ReferenceEngine(problems)

    def reply(call) -> str:
        system = next((m["content"] for m in call.messages if m.get("role") == "system"), "")
        return engine.answer(system if isinstance(system, str) else "", call.last_user_text)

    with OpenAIStubServer(reply=reply, models=["m"]) as server:
        run_dir = tmp_path / "crux"
        proc = run_py(f"program={program}", "data=verilog_eval", "data.task=code_complete", "compiler=none",
                      "lm=openai", "lm.model=m", f"lm.api_base={server.base_url}", f"data.task_ids=[{','.join(p.task_id for p in problems)}]",
                      f"hydra.run.dir={run_dir}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {c["stage"] for c in engine.calls} == stages
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["pass@1"] == 1.0, (run_dir / "verdicts.jsonl").read_text()
