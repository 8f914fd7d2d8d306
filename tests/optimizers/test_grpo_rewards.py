"""Dual-space rewards through the real sim/ core (Icarus, differential mode), and the hard per-group deadline."""
from __future__ import annotations

import asyncio
import threading
import time

import dspy
import pytest

from crux_program.crux import Crux, ModuleInterface, Port
from crux_program.modules import CruxPipeline
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


def crux_answer(crux: Crux) -> str:
    """A CRUX-space completion exactly as the ChatAdapter expects the model to write it."""
    fields = {"interface": crux.interface, "core_functions": crux.core_functions,
              "key_considerations": crux.key_considerations}
    return dspy.ChatAdapter().format_assistant_message_content(CruxPipeline().spec_to_crux.signature, fields)


class GoldRealiser:
    """Writes the gold module for a CRUX that names the right module, a wrong one otherwise."""

    def realise(self, items, deadline=None):
        return [GOLD if crux.interface.module_name == "and_gate" else GOLD.replace("&", "|") for _, crux in items]


def scorer(checker, realiser=None, timeout=30.0, min_interface=1.0) -> DualSpaceScorer:
    return DualSpaceScorer(checker, {"and_gate": PROBLEM}, ProgramPredictors.of(CruxPipeline()), dspy.ChatAdapter(),
                           group_timeout_s=timeout, concurrency=2, realiser=realiser,
                           realise_min_interface=min_interface)


def run_rewards(s: DualSpaceScorer, completions: list, spaces: list[str], **extra):
    """Call the three reward functions as TRL 1.16 does: concurrently with asyncio.gather on one batch."""
    columns = {"space": spaces, "task_id": ["and_gate"] * len(spaces), **extra}
    messages = [[{"role": "assistant", "content": c}] for c in completions]

    async def all_three():
        return await asyncio.gather(*[f(prompts=[None] * len(messages), completions=messages, **columns)
                                      for f in s.reward_functions()])
    return asyncio.run(all_three())


def test_reward_functions_are_named_after_the_components(verifier):
    # TRL logs `rewards/<__name__>/mean`, and the schedule's weights follow this order
    assert [f.__name__ for f in scorer(verifier).reward_functions()] == ["format", "compile", "functional"]


def test_code_space_rewards_come_from_the_simulator(verifier):
    wrong = GOLD.replace("&", "|")
    fmt, comp, func = run_rewards(scorer(verifier), [GOLD, wrong, "no code here", GOLD.replace("and_gate", "x")],
                                  ["code"] * 4)
    assert fmt[:3] == [1.0, 1.0, 0.0] and comp[:3] == [1.0, 1.0, 0.0]
    assert func[0] == 1.0 and 0.0 < func[1] < 1.0 and func[2] == 0.0
    assert fmt[3] < 1.0, "a module with the wrong name must lose the format reward"


def test_crux_space_rewards_parse_interface_and_realisation(verifier):
    wrong_width = CRUX.model_copy(deep=True)
    wrong_width.interface.ports[2].width = "8"
    renamed = CRUX.model_copy(deep=True)
    renamed.interface.module_name = "other"
    completions = [crux_answer(CRUX), crux_answer(wrong_width), crux_answer(renamed), "not a crux"]
    fmt, comp, func = run_rewards(scorer(verifier, GoldRealiser()), completions, ["crux"] * 4)
    assert fmt == [1.0, 1.0, 1.0, 0.0]
    assert comp[0] == 1.0 and comp[1] < 1.0 and comp[2] < 1.0 and comp[3] == 0.0
    assert func[0] == 1.0 and func[2] < 1.0 and func[3] == 0.0


def test_crux_functional_is_unscored_without_a_realiser(verifier):
    _, _, func = run_rewards(scorer(verifier), [crux_answer(CRUX)], ["crux"])
    assert func == [None]


class HangingChecker:
    """A verifier whose simulation of task `and_gate` never returns (until the test releases it)."""

    def __init__(self):
        self.release = threading.Event()

    def check_group(self, problem, completions):
        self.release.wait(60)
        raise RuntimeError("released")


def test_a_hung_simulation_costs_one_timeout_and_zero_reward():
    checker = HangingChecker()
    s = scorer(checker, timeout=0.5)
    logged = {}
    start = time.perf_counter()
    fmt, comp, func = run_rewards(s, [GOLD, GOLD], ["code", "code"], log_metric=logged.__setitem__)
    elapsed = time.perf_counter() - start
    checker.release.set()
    assert (fmt, comp, func) == ([0.0, 0.0], [0.0, 0.0], [0.0, 0.0])
    assert s.stats.timeouts == 1, "three reward functions must share one scoring task, so one timeout"
    assert elapsed < 5, f"scoring waited {elapsed:.1f}s for a hung simulation"
    assert logged["sim/timeouts_total"] == 1.0


def test_a_hung_group_does_not_hold_back_the_others(verifier):
    class OneHangs:
        def __init__(self):
            self.release = threading.Event()

        def check_group(self, problem, completions):
            if "hang" in completions[0]:
                self.release.wait(60)
            return verifier.check_group(problem, completions)

    checker = OneHangs()
    s = DualSpaceScorer(checker, {"and_gate": PROBLEM, "hang": PROBLEM}, ProgramPredictors.of(CruxPipeline()),
                        dspy.ChatAdapter(), group_timeout_s=3.0, concurrency=2)
    columns = {"space": ["code", "code"], "task_id": ["and_gate", "hang"]}
    completions = [[{"role": "assistant", "content": GOLD}], [{"role": "assistant", "content": "hang"}]]
    func = asyncio.run(s.reward_functions()[2](prompts=[None, None], completions=completions, **columns))
    checker.release.set()
    assert func == [1.0, 0.0]


def test_identical_and_incomplete_cruxes_are_not_realised_twice(verifier):
    class Counting(GoldRealiser):
        calls: list = []

        def realise(self, items, deadline=None):
            self.calls.append(len(items))
            return super().realise(items, deadline)

    incomplete = CRUX.model_copy(update={"key_considerations": []})
    realiser = Counting()
    s = scorer(verifier, realiser)
    fmt, _, func = run_rewards(s, [crux_answer(CRUX)] * 3 + [crux_answer(incomplete)], ["crux"] * 4)
    assert realiser.calls == [1], "three identical CRUXes realise once; the incomplete one not at all"
    assert func == [1.0, 1.0, 1.0, 0.0] and fmt[3] == pytest.approx(2 / 3)
    assert len(s.stats.realise_seconds) == 1


def test_only_cruxes_with_the_reference_interface_are_realised(verifier):
    class Counting(GoldRealiser):
        def __init__(self):
            self.calls = []

        def realise(self, items, deadline=None):
            self.calls.append([crux.interface.ports[2].width for _, crux in items])
            return super().realise(items, deadline)

    wrong_width = CRUX.model_copy(deep=True)
    wrong_width.interface.ports[2].width = "8"
    completions = [crux_answer(CRUX), crux_answer(wrong_width)]
    gated = Counting()
    _, comp, func = run_rewards(scorer(verifier, gated), completions, ["crux"] * 2)
    assert gated.calls == [["1"]] and func == [1.0, 0.0] and comp[1] < 1.0
    every = Counting()
    run_rewards(scorer(verifier, every, min_interface=0.0), completions, ["crux"] * 2)
    assert sorted(every.calls[0]) == ["1", "8"], "min_interface=0 realises every complete CRUX"
