"""VerilogEval's own prompts and answer reading agree, byte for byte, with its official `sv-generate` script.

The script itself is the oracle: it runs here with a "manual" model (which makes no call), its langchain imports
answered by small stand-ins that write the exact system and user messages it builds into files, and with a
`_response.txt` beside its output it writes the code file it extracts from that answer.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crux_program.fixed_prompts.verilog_eval import SCRIPT_TASK, official_prompt
from crux_program.fixed_prompts.verilog_eval_answer import official_answer
from sim.extract import begin_done_block, extract_code
from tests.conftest import BENCHMARKS

V2 = BENCHMARKS / "verilog-eval-v2"
SCRIPTS = V2 / "scripts"
FOLDERS = {"spec_to_rtl": V2 / "dataset_spec-to-rtl", "code_complete": V2 / "dataset_code-complete-iccad2023"}
PROBLEMS = ["Prob001_zero", "Prob035_count1to10", "Prob099_m2014_q6c", "Prob156_review2015_fancytimer"]

_STANDINS = {
    "langchain_openai/__init__.py": "class ChatOpenAI:\n    pass\n",
    "langchain_nvidia_ai_endpoints/__init__.py": "class ChatNVIDIA:\n    pass\n",
    "langchain/__init__.py": "",
    "langchain/callbacks.py": "def get_openai_callback():\n    raise AssertionError('a manual model makes no call')\n",
    # The messages the script builds, written byte for byte where the test reads them.
    "langchain/schema.py": textwrap.dedent("""\
        import os

        def _keep(name, text):
            with open(os.path.join(os.environ["CAPTURE_DIR"], name), "w", newline="") as f:
                f.write(text)

        class SystemMessage:
            def __init__(self, content):
                _keep("system.txt", content)

        class HumanMessage:
            def __init__(self, content):
                _keep("user.txt", content)
        """),
}


@pytest.fixture(scope="module")
def standins(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("langchain_standins")
    for name, text in _STANDINS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def run_sv_generate(standins: Path, work: Path, task: str, problem: str, shots: int = 0,
                    response: str | None = None) -> tuple[str, str, str]:
    """(system text, user prompt, code file) as the official script produces them."""
    if not (SCRIPTS / "sv-generate").is_file():
        raise FileNotFoundError(f"{SCRIPTS}/sv-generate not found: set CRUX_BENCHMARKS to the benchmark root")
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"{problem}_sample01.sv"
    if response is not None:
        (work / f"{problem}_sample01_response.txt").write_text(response, newline="")
    env = {**os.environ, "PYTHONPATH": str(standins), "CAPTURE_DIR": str(work)}
    subprocess.run([sys.executable, str(SCRIPTS / "sv-generate"), "--model", "manual-deepseek-coder-6.7b",
                    "--task", SCRIPT_TASK[task], "--examples", str(shots), "--output", str(out),
                    str(FOLDERS[task] / f"{problem}_prompt.txt")], env=env, check=True, capture_output=True,
                   timeout=60)
    return _read(work / "system.txt"), _read(work / "user.txt"), _read(out)


def _read(path: Path) -> str:
    """The file as written (no newline translation: a \\r must stay a \\r)."""
    with path.open(newline="") as f:
        return f.read()


@pytest.mark.parametrize("task", ["spec_to_rtl", "code_complete"])
@pytest.mark.parametrize("shots", [0, 3])
def test_prompt_equals_the_official_script(standins, tmp_path, task, shots):
    for problem in PROBLEMS:
        system, user, _ = run_sv_generate(standins, tmp_path / problem, task, problem, shots)
        ours = official_prompt((FOLDERS[task] / f"{problem}_prompt.txt").read_text(), task, shots,
                               scripts_dir=SCRIPTS)
        assert (ours.system, ours.user) == (system, user), problem


def test_rules_and_other_shot_counts(standins, tmp_path):
    """-x 1, 2, 4 read their own prefix files; the spec-to-rtl rules are added only when asked (-r)."""
    problem = "Prob035_count1to10"
    for shots in (1, 2, 4):
        for task in ("spec_to_rtl", "code_complete"):
            _, user, _ = run_sv_generate(standins, tmp_path / f"{task}{shots}", task, problem, shots)
            assert official_prompt((FOLDERS[task] / f"{problem}_prompt.txt").read_text(), task, shots,
                                   scripts_dir=SCRIPTS).user == user
    ours = official_prompt((FOLDERS["spec_to_rtl"] / f"{problem}_prompt.txt").read_text(), rules=True)
    assert "Here are some additional rules" in ours.user and ours.user.endswith("\nAnswer:\n")
    with pytest.raises(ValueError, match="0 to 4"):
        official_prompt("x", shots=5, scripts_dir=SCRIPTS)


MODULE = "module TopModule (\n  output zero\n);\n  assign zero = 1'b0;\nendmodule"
BODY = "  assign zero = 1'b0;\nendmodule"
# Answers exercising each rule of the script's extraction (both tasks read all of them).
RESPONSES = {
    "begin_done": f"[BEGIN]\n{MODULE}\n[DONE]",
    "begin_done_inline": f"Sure:\n  [BEGIN]{MODULE}[DONE]\nThat is all.",
    "begin_without_done": f"[BEGIN]\n{MODULE}\n",
    "markers_and_prose": f"Here it is.\n[BEGIN]\n```verilog\n{MODULE}\n```\n[DONE]\n",
    "fenced": f"Here it is.\n```verilog\n{MODULE}\n```\nHope it helps.",
    "one_backtick_line": f"```verilog\n{MODULE}\n",
    "three_backtick_lines": f"```\n{BODY}\n```\n```\n",
    "prose_then_module": f"The module:\n{MODULE}\nDone.",
    "body_only": BODY + "\n",
    "endmodule_first": f"endmodule\n{MODULE}",
    "no_endmodule": "  assign zero = 1'b0;\n",
    "crlf": MODULE.replace("\n", "\r\n") + "\r\n",
}


@pytest.mark.parametrize("task", ["spec_to_rtl", "code_complete"])
def test_answer_reading_equals_the_official_script(standins, tmp_path, task):
    interface = (FOLDERS[task] / "Prob001_zero_ifc.txt").read_text() if task == "code_complete" else None
    for name, response in RESPONSES.items():
        _, _, written = run_sv_generate(standins, tmp_path / name, task, "Prob001_zero", response=response)
        assert official_answer(response, task, interface) == written, name


def test_begin_done_rules():
    assert begin_done_block("[BEGIN]\na\n  b  \n[DONE]") == ["a", "  b  "]
    assert begin_done_block("  [BEGIN] a [BEGIN]\nb [DONE]") == [" a ", "b "]  # markers go wherever they are
    assert begin_done_block("x [BEGIN]\na\n[DONE]") is None  # must start the line
    assert begin_done_block("[BEGIN]\na\n") is None  # never closed
    assert begin_done_block("no markers") is None


def test_extract_code_reads_begin_done_first():
    draft = "module TopModule; wire draft; endmodule"
    answer = f"A first try:\n{draft}\nFinal:\n[BEGIN]\n{MODULE}\n[DONE]\n"
    assert extract_code(answer) == MODULE + "\n"
    # a block without a module: the usual rules on the whole answer
    assert extract_code(f"[BEGIN]\nno code\n[DONE]\n```verilog\n{MODULE}\n```") == MODULE + "\n"
