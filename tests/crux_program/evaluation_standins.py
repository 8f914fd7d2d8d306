"""A stand-in LM for the evaluation tests that answers with each problem's reference solution.

It speaks the CRUX program's own output format (DSPy's ChatAdapter fields), so a program run on it must
score exactly what the references score: any loss is the plumbing's. It is a real `dspy.LM` with a custom
engine (DSPy 3.4's engine API), and it records the sampling settings of every request it serves.
"""
from __future__ import annotations

import json
import threading

import dspy
from dspy.lm15 import Message, Response, TextPart, Usage

from sim.interface import module_io
from sim.loaders import reference_as_candidate
from sim.problem import Problem


class ReferenceEngine:
    """Finds the problem whose spec is in the prompt and answers the stage being asked for: "crux" (spec -> CRUX),
    "code" (spec [+ CRUX] -> Verilog) or "answer" (the one-pass program: both in one answer)."""

    def __init__(self, problems: list[Problem], finish_reason: str = "stop") -> None:
        self.by_spec = {p.spec.strip(): p for p in problems}
        self.finish_reason = finish_reason  # "length" makes DSPy treat every answer as cut at max_tokens
        self.calls: list[dict] = []
        self._lock = threading.Lock()

    def answer(self, system: str, user: str, **settings) -> str:
        """The reference answer to one prompt (system + last user message), in the asked-for stage's format."""
        found = [spec for spec in self.by_spec if spec in user]  # the longest: a spec may contain a shorter one
        if not found:
            raise LookupError("ReferenceEngine: no known spec in the prompt")
        problem = self.by_spec[max(found, key=len)]
        prompt = system + user
        stage = ("answer" if "## verilog ##" in prompt else "crux") if "## interface ##" in prompt else "code"
        with self._lock:
            self.calls.append({"task_id": problem.task_id, "stage": stage, **settings})
        if stage == "answer":  # the one-pass program: the CRUX fields, then the code, in one answer
            return self._crux_answer(problem).replace("[[ ## completed ## ]]", self._code_answer(problem))
        return self._crux_answer(problem) if stage == "crux" else self._code_answer(problem)

    def complete(self, request) -> Response:
        system = request.system if isinstance(request.system, str) else "".join(p.text for p in request.system or ())
        text = self.answer(system, request.messages[-1].text or "", temperature=request.config.temperature,
                           top_p=request.config.top_p, seed=request.config.seed)
        return Response(id=None, model="reference", message=Message.assistant([TextPart(text)]),
                        finish_reason=self.finish_reason, usage=Usage(input_tokens=0, output_tokens=0, total_tokens=0))

    def close(self) -> None:
        pass

    @staticmethod
    def _code_answer(problem: Problem) -> str:
        return f"[[ ## verilog ## ]]\n{reference_as_candidate(problem)}\n\n[[ ## completed ## ]]"

    @staticmethod
    def _crux_answer(problem: Problem) -> str:
        try:
            io = module_io(reference_as_candidate(problem), problem.top)
            ports = [{"name": p.name, "direction": p.direction, "width": str(p.width)} for p in io.ports]
        except Exception:  # a reference pyslang cannot read still gets a CRUX (the code stage does not need ports)
            ports = []
        interface = {"module_name": problem.top, "parameters": [], "ports": ports}
        return (f"[[ ## interface ## ]]\n{json.dumps(interface)}\n\n"
                f"[[ ## core_functions ## ]]\n{json.dumps(['behave exactly as the specification says'])}\n\n"
                f"[[ ## key_considerations ## ]]\n{json.dumps(['follow the reset policy in the spec'])}\n\n"
                "[[ ## completed ## ]]")


def reference_lm(problems: list[Problem]) -> tuple[dspy.LM, ReferenceEngine]:
    """A dspy.LM answering with the references, and its engine (to read the recorded calls)."""
    engine = ReferenceEngine(problems)
    return dspy.LM("local/reference", engine=engine, cache=False), engine
