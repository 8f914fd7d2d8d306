"""The fixed-prompt programs in process: what they send, what they hand to the judge, what a run records."""
from __future__ import annotations

import dspy
from dspy.lm15 import Message, Response, TextPart, Usage

from crux_program.fixed_prompts import ReleasedModelPrompt, VerilogEvalOfficial, official_prompt
from crux_program.evaluation.fingerprint import run_fingerprint
from sim.loaders import load_problems
from tests.conftest import BENCHMARKS

V2 = BENCHMARKS / "verilog-eval-v2"


class Canned:
    """A dspy.LM engine that answers every request with `text` and keeps the requests."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.requests: list = []

    def complete(self, request) -> Response:
        self.requests.append(request)
        return Response(id=None, model="canned", message=Message.assistant([TextPart(self.text)]),
                        finish_reason="stop", usage=Usage(input_tokens=0, output_tokens=0, total_tokens=0))

    def close(self) -> None:
        pass


def run_with(program, answer: str, **inputs):
    engine = Canned(answer)
    with dspy.context(lm=dspy.LM("local/canned", engine=engine, cache=False)):
        return program(**inputs), engine.requests


def test_official_program_sends_the_official_messages_and_keeps_the_interface():
    problem = load_problems(V2 / "dataset_code-complete-iccad2023")[0]
    program = VerilogEvalOfficial(task="code_complete", shots=2, scripts_dir=V2 / "scripts")
    pred, requests = run_with(program, "  assign zero = 1'b0;\nendmodule\n", spec=problem.spec, problem=problem)
    expected = official_prompt(problem.spec, "code_complete", 2, scripts_dir=V2 / "scripts")
    assert requests[0].system == expected.system and requests[0].messages[-1].text == expected.user
    assert pred.verilog == "\n" + problem.interface_prefix + "\n\n  assign zero = 1'b0;\nendmodule\n\n\n"


def test_released_model_program_reads_crux_then_code_and_falls_back_to_the_raw_answer():
    program = ReleasedModelPrompt()
    answer = ("## Module Interface\n- Module: `TopModule`\n- output zero (1 bit)\n\n## Core Functions\n- drive 0\n\n"
              "## Key Considerations\n- none\n\n## Code Implementation\n```verilog\nmodule TopModule(output zero);\n"
              "  assign zero = 0;\nendmodule\n```\n")
    pred, requests = run_with(program, answer, spec="Build zero.\n")
    assert requests[0].system == "You are a helpful assistant." and requests[0].messages[-1].text == "Build zero.\n"
    assert pred.crux.interface.module_name == "TopModule" and pred.verilog.startswith("module TopModule")
    pred, _ = run_with(program, "no plan, no fence: module TopModule; endmodule", spec="x")
    assert pred.crux is None and pred.crux_markdown is None and pred.verilog.endswith("endmodule")


def test_a_changed_prompt_option_is_a_different_run():
    lm = dspy.LM("local/canned", engine=Canned(""), cache=False)
    zero, three = (run_fingerprint(VerilogEvalOfficial(shots=n, scripts_dir=V2 / "scripts"), lm, 1, {})
                   for n in (0, 3))
    assert zero != three and zero["lms"]["program"]["model"] == "local/canned"
