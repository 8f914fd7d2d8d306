"""Programs that send a benchmark's or a model's own fixed prompt instead of the program's DSPy prompts.

- `VerilogEvalOfficial` (program=verilog_eval_official): VerilogEval v2's own system text, example prefix and
  prompt (crux_program.fixed_prompts.verilog_eval), its answer read as sv-generate reads it, so a model can
  be compared with published VerilogEval figures.
- `ReleasedModelPrompt` (program=released_model): a released checkpoint's protocol, e.g. QiMeng-CRUX-V's: a
  fixed system prompt, the raw benchmark prompt as the user turn (optionally with a sentence put in it), the
  answer read as CRUX sections then `## Code Implementation` (crux_program.crux.split_crux_and_code).

Both are `dspy.Module`s with no predictors: nothing here is compiled, the messages are sent as they are through
the configured LM (`dspy.configure(lm=...)` or the evaluation's sampling copy of it). `forward(spec, problem)`
receives the benchmark's prompt text and, from the evaluation runner, the `Problem` itself.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import dspy

from crux_program.fixed_prompts.verilog_eval import check_task, official_prompt
from crux_program.fixed_prompts.verilog_eval_answer import official_answer
from crux_program.crux import split_crux_and_code
from sim.problem import Problem

QIMENG_SYSTEM = "You are a helpful assistant."


def ask(messages: list[dict[str, str]]) -> str:
    """The configured LM's first answer to `messages`, as text."""
    lm = dspy.settings.lm
    if lm is None:
        raise RuntimeError("no LM is configured: call dspy.configure(lm=...) or pass lm= to the evaluation")
    outputs = lm(messages=messages)
    first = outputs[0] if outputs else ""
    return str(first.get("text") or "") if isinstance(first, dict) else str(first)


class VerilogEvalOfficial(dspy.Module):
    """VerilogEval v2's own prompt for `task` ("spec_to_rtl" or "code_complete") with `shots` examples (0-4).

    rules / explain: sv-generate's `-r` / `-e` (spec-to-rtl only). scripts_dir: the benchmark's scripts/
    folder, where the example prefixes are. The prediction's `verilog` is the file sv-generate would write,
    the code-complete interface included when the runner passes the problem.
    """

    def __init__(self, task: str = "spec_to_rtl", shots: int = 0, rules: bool = False, explain: bool = False,
                 scripts_dir: str | Path | None = None) -> None:
        super().__init__()
        self.task = check_task(task)
        self.shots, self.rules, self.explain = int(shots), bool(rules), bool(explain)
        self.scripts_dir = str(scripts_dir) if scripts_dir is not None else None
        official_prompt("", self.task, self.shots, self.rules, self.explain, self.scripts_dir)  # fail early

    def settings(self) -> dict[str, Any]:
        """What shapes the prompt (recorded with a run's samples, so a changed option starts them afresh)."""
        return {"task": self.task, "shots": self.shots, "rules": self.rules, "explain": self.explain}

    def forward(self, spec: str, problem: Problem | None = None, **_: Any) -> dspy.Prediction:
        prompt = official_prompt(spec, self.task, self.shots, self.rules, self.explain, self.scripts_dir)
        answer = ask(prompt.messages())
        interface = problem.interface_prefix if problem is not None else None
        return dspy.Prediction(verilog=official_answer(answer, self.task, interface), answer=answer)


class ReleasedModelPrompt(dspy.Module):
    """A released model's own protocol: `system`, then the raw benchmark prompt as the user turn.

    The answer is read as the paper's format: CRUX sections, then the code under `## Code Implementation`
    (`split_crux_and_code`); with no fenced code the whole answer goes to the judge, whose extractor finds a
    module if there is one.
    """

    def __init__(self, system: str = QIMENG_SYSTEM, insert_before: str = "", insert: str = "",
                 strip: bool = False) -> None:
        super().__init__()
        self.system = system
        self.insert_before, self.insert, self.strip = insert_before, insert, bool(strip)
        if insert and not insert_before:
            raise ValueError("ReleasedModelPrompt: `insert` needs `insert_before`, the text it goes in front of")

    def settings(self) -> dict[str, Any]:
        """What shapes the prompt (recorded with a run's samples, so a changed option starts them afresh)."""
        return {"system": self.system, "insert_before": self.insert_before, "insert": self.insert, "strip": self.strip}

    def user_prompt(self, spec: str) -> str:
        """The user turn: the benchmark's prompt, with `insert` put before each `insert_before` (as the
        authors' script does: their RTLLM sentence asking for any submodules goes before "Give me the
        complete code."), stripped of surrounding whitespace when `strip`."""
        text = spec.replace(self.insert_before, self.insert + self.insert_before) if self.insert else spec
        return text.strip() if self.strip else text

    def messages(self, spec: str) -> list[dict[str, str]]:
        """The chat this program sends for one problem."""
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user_prompt(spec)}]

    def forward(self, spec: str, **_: Any) -> dspy.Prediction:
        answer = ask(self.messages(spec))
        crux, code = split_crux_and_code(answer)
        return dspy.Prediction(crux=crux, crux_markdown=crux.to_markdown() if crux is not None else None,
                               verilog=code or answer, answer=answer)
