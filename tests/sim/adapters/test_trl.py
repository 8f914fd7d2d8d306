"""The plain TRL reward adapter (`sim.adapters.trl.sim_rewards`) and its shared helpers, through the real sim/ core
(Icarus, differential mode)."""
from __future__ import annotations

import pytest

from sim.adapters.completions import completion_text, group_rows, judge_by_task
from sim.adapters.trl import sim_rewards
from sim.config import SimConfig
from sim.core import Verifier
from sim.problem import Problem
from sim.result import REWARD_COMPONENTS, RewardParts, Status

AND = "module and_gate(input a, input b, output y);\n  assign y = a & b;\nendmodule"
OR = "module or_gate(input a, input b, output y);\n  assign y = a | b;\nendmodule"
PROBLEMS = {"and_gate": Problem(task_id="and_gate", spec="Build module and_gate: y = a AND b.", reference=AND,
                                top="and_gate", source="synthetic"),
            "or_gate": Problem(task_id="or_gate", spec="Build module or_gate: y = a OR b.", reference=OR,
                               top="or_gate", source="synthetic")}


class CountingVerifier:
    """The real verifier, counting its `check_group` calls."""

    def __init__(self, verifier: Verifier) -> None:
        self.verifier, self.calls = verifier, []

    def check_group(self, problem, completions):
        self.calls.append((problem.task_id, len(completions)))
        return self.verifier.check_group(problem, completions)


@pytest.fixture(scope="module")
def verifier():
    with Verifier(SimConfig(mode="differential", timeout_s=30, jobs=1)) as v:
        yield v


def test_the_components_are_the_fields_of_reward_parts():
    assert REWARD_COMPONENTS == ("format", "compile", "functional")
    assert RewardParts().functional == 0.0


def test_sim_rewards_adapter_scores_code_space(verifier):
    fmt, comp, func = sim_rewards(verifier, {"and_gate": PROBLEMS["and_gate"]})
    completions = [[{"role": "assistant", "content": AND}], "garbage"]
    kwargs = dict(prompts=[None, None], completions=completions, task_id=["and_gate", "and_gate"])
    assert func(**kwargs) == [1.0, 0.0] and fmt(**kwargs) == [1.0, 0.0] and comp(**kwargs) == [1.0, 0.0]
    assert [f.__name__ for f in (fmt, comp, func)] == ["sim_format", "sim_compile", "sim_functional"]


def test_one_judgement_per_batch_and_one_check_group_per_task(verifier):
    counting = CountingVerifier(verifier)
    rewards = sim_rewards(counting, PROBLEMS)
    completions = [AND, OR, AND.replace("&", "|"), OR]  # the tasks interleaved, as a shuffled batch comes
    task_ids = ["and_gate", "or_gate", "and_gate", "or_gate"]
    values = [r(prompts=[None] * 4, completions=completions, task_id=task_ids) for r in rewards]
    assert counting.calls == [("and_gate", 2), ("or_gate", 2)], "grouped by task, judged once for all components"
    assert values[2] == [1.0, 1.0, pytest.approx(values[2][2]), 1.0] and values[2][2] < 1.0
    assert values[0] == values[1] == [1.0] * 4  # the wrong AND still declares and_gate and compiles


def test_judge_by_task_keeps_input_order_and_names_a_missing_problem(verifier):
    results = judge_by_task(verifier, PROBLEMS, ["nothing here", AND], ["or_gate", "and_gate"])
    assert [r.task_id for r in results] == ["or_gate", "and_gate"]
    assert [r.status for r in results] == [Status.NO_CODE, Status.PASS]
    with pytest.raises(KeyError, match="No Problem for task_id 'xor_gate'"):
        judge_by_task(verifier, PROBLEMS, [AND], ["xor_gate"])


def test_completion_text_and_group_rows():
    chat = [{"role": "system", "content": "ignored"}, {"role": "assistant", "content": "mod"},
            {"content": "ule"}, {"role": "assistant", "content": None}]
    assert completion_text("plain") == "plain" and completion_text(chat) == "module"
    assert group_rows([("code", "b"), ("crux", "a"), ("code", "b")]) == {("code", "b"): [0, 2], ("crux", "a"): [1]}
    assert list(group_rows(["b", "a", "b"])) == ["b", "a"]  # groups in order of first appearance
