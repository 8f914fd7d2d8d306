"""GRPO on a one-pass CRUX program: one row per example, both spaces rewarded on the same completion."""
from __future__ import annotations

import asyncio

import dspy
import pytest

from crux_program.crux import Crux, ModuleInterface, Port
from crux_program.modules import CruxOnePass
from optimizers.grpo.dataset import build_prompts
from optimizers.grpo.rewards import DualSpaceScorer
from optimizers.grpo.spaces import ProgramPredictors
from sim.config import SimConfig
from sim.core import Verifier
from sim.problem import Problem

GOLD = "module and_gate(input a, input b, output y);\n  assign y = a & b;\nendmodule"
PROBLEM = Problem(task_id="and_gate", spec="Build module and_gate: y = a AND b.", reference=GOLD, top="and_gate",
                  source="synthetic")
CRUX = Crux(interface=ModuleInterface(module_name="and_gate", ports=[
    Port(name="a", direction="input"), Port(name="b", direction="input"), Port(name="y", direction="output")]),
    core_functions=["y = a & b"], key_considerations=["purely combinational"])


@pytest.fixture(scope="module")
def verifier():
    with Verifier(SimConfig(mode="differential", timeout_s=30, jobs=1)) as v:
        yield v


def answer(crux: Crux, code: str) -> str:
    """A one-pass completion exactly as the ChatAdapter expects the model to write it."""
    fields = {"interface": crux.interface, "core_functions": crux.core_functions,
              "key_considerations": crux.key_considerations, "verilog": code}
    return dspy.ChatAdapter().format_assistant_message_content(CruxOnePass().spec_to_answer.signature, fields)


def rewards(verifier, completions: list[str], spaces=("crux", "code")):
    scorer = DualSpaceScorer(verifier, {"and_gate": PROBLEM}, ProgramPredictors.of(CruxOnePass()), dspy.ChatAdapter(),
                             group_timeout_s=60, concurrency=1, spaces=spaces)
    logged: dict[str, float] = {}
    columns = {"space": ["answer"] * len(completions), "task_id": ["and_gate"] * len(completions),
               "log_metric": lambda name, value: logged.__setitem__(name, value)}
    messages = [[{"role": "assistant", "content": c}] for c in completions]

    async def all_three():
        return await asyncio.gather(*[f(prompts=[None] * len(messages), completions=messages, **columns)
                                      for f in scorer.reward_functions()])
    return asyncio.run(all_three()), logged


def test_dual_space_rewards_both_parts_of_one_completion(verifier):
    wrong_iface = CRUX.model_copy(deep=True)
    wrong_iface.interface.ports[2].width = "8"
    completions = [answer(CRUX, GOLD), answer(wrong_iface, GOLD), answer(CRUX, GOLD.replace("&", "|")),
                   "[[ ## verilog ## ]]\n" + GOLD]  # code without any CRUX
    (fmt, comp, func), logged = rewards(verifier, completions)
    assert fmt[0] == comp[0] == func[0] == 1.0
    assert func[1] == 1.0 and comp[1] < 1.0, "a wrong CRUX interface costs the compile component, not the code's"
    assert fmt[2] == comp[2] == 1.0 and 0.0 < func[2] < 1.0
    assert fmt[3] == 0.5 and comp[3] == 0.5 and func[3] == 1.0, "no CRUX: only the code half of format/compile"
    assert set(logged) >= {"answer/crux_format", "answer/crux_interface", "answer/code_format",
                           "answer/code_compile", "answer/functional", "answer/format"}


def test_code_only_rewards_ignore_the_crux(verifier):
    (fmt, comp, func), _ = rewards(verifier, ["[[ ## verilog ## ]]\n" + GOLD], spaces=("code",))
    assert fmt == comp == func == [1.0]


def test_one_pass_program_gives_one_answer_row_per_example():
    examples = [dspy.Example(task_id=f"t{i}", spec=f"spec {i}", problem=PROBLEM).with_inputs("spec") for i in range(3)]
    rows = build_prompts(CruxOnePass(), examples, ("crux", "code"), dspy.ChatAdapter(), seed=0)
    assert sorted(r.task_id for r in rows) == ["t0", "t1", "t2"] and {r.space for r in rows} == {"answer"}
    assert "[[ ## spec ## ]]" in rows[0].prompt[-1]["content"]


def test_a_program_without_crux_trains_the_code_space_and_says_so(caplog):
    from crux_program.modules import DirectVerilog

    examples = [dspy.Example(task_id=f"t{i}", spec=f"spec {i}", problem=PROBLEM).with_inputs("spec") for i in range(2)]
    with caplog.at_level("WARNING", logger="optimizers.grpo.dataset"):
        rows = build_prompts(DirectVerilog(), examples, ("crux", "code"), dspy.ChatAdapter(), seed=0)
    assert {r.space for r in rows} == {"code"} and len(rows) == 2
    assert "DirectVerilog writes no CRUX" in caplog.text
    with pytest.raises(ValueError, match="spaces=\\[code\\]"):  # CRUX space alone: nothing to train
        build_prompts(DirectVerilog(), examples, ("crux",), dspy.ChatAdapter(), seed=0)
