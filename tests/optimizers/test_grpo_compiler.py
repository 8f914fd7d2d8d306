"""GRPO and SFT -> GRPO end to end on a tiny locally built model (CPU, a couple of steps each)."""
from __future__ import annotations

import functools
import json
import os

import dspy
import pytest
import torch
from transformers import TrainerCallback

from crux_program.lm.local import LocalLM
from crux_program.modules import CruxPipeline
from optimizers.artifacts import load_compiled, read_manifest
from optimizers.config import SFTSettings
from optimizers.grpo.compiler import GRPOCompiler
from optimizers.grpo.dataset import build_prompts
from optimizers.grpo.schedule import RewardSchedule
from optimizers.grpo.settings import GRPOSettings
from optimizers.sft import SFTCompiler
from optimizers.sft_grpo import SFTGRPOCompiler
from sim.config import SimConfig
from sim.core import Verifier
from sim.result import RewardParts, SimResult, Status
from tests.optimizers.grpo_standins import gate_triplets, tiny_policy, tokenizer_texts

for _key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ[_key] = "1"

TINY = dict(num_generations=2, prompts_per_step=2, max_steps=2, max_completion_length=8, realise_max_new_tokens=8,
            device="cpu", learning_rate=1e-2, schedule=RewardSchedule("linear", (0.4, 0.4, 0.2), (0.0, 0.0, 1.0)))


@pytest.fixture(scope="module")
def examples():
    """Curriculum examples as the data package makes them (spec, crux, verilog, problem)."""
    return [t.to_example() for t in gate_triplets(4)]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, examples):
    return tiny_policy(tmp_path_factory.mktemp("tiny"), tokenizer_texts(CruxPipeline(), examples))


def program_on(model_path) -> CruxPipeline:
    program = CruxPipeline()
    program.set_lm(LocalLM(model_path, device="cpu", max_tokens=8))
    return program


class FirstWinsChecker:
    """Passes the first completion of every group and fails the rest: the rewards then vary within each group,
    the advantages are non-zero and a step must move the weights (the real simulator is in test_grpo_rewards)."""

    def check_group(self, problem, completions):
        return [SimResult(problem.task_id, Status.PASS if i == 0 else Status.MISMATCH,
                          rewards=RewardParts(1.0, 1.0, float(i == 0))) for i, _ in enumerate(completions)]


def test_batches_mix_both_spaces(examples, model_path):
    rows = build_prompts(program_on(model_path), examples)
    assert [r.space for r in rows[:4]] == ["crux", "code", "crux", "code"]
    assert rows[1].prompt[-1]["content"].count("[[ ## crux ## ]]") == 1, "code prompts carry the gold CRUX"
    assert {r.space for r in build_prompts(program_on(model_path), examples, spaces=["code"])} == {"code"}


def test_grpo_trains_applies_the_schedule_and_returns_a_loadable_program(examples, model_path, tmp_path):
    compiler = GRPOCompiler(GRPOSettings(**TINY), tmp_path, verifier=FirstWinsChecker())
    program = program_on(model_path)
    tuned = compiler.compile(program, examples)
    report = compiler.report
    assert report.steps == 2 and report.timeouts == 0 and 0 < report.reward_fraction < 1
    assert report.lm_head == "plain"  # lm_head=auto on CPU: the completion positions, plain log_softmax
    # The schedule follows steps or the clock, whichever is nearer: a 2-step run is step-bound.
    assert report.weights_history == [pytest.approx([0.4, 0.4, 0.2], abs=1e-3), pytest.approx([0.2, 0.2, 0.6], abs=1e-3)]
    # max_time_s is set: the schedule also follows the clock (the report names the budget the schedule had)
    assert report.time_budget_s == 300 and report.anneal_by_time
    assert len(report.step_seconds) == 2 and len(report.reward_seconds) >= 2 and report.generation_seconds
    logs = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    step_logs = [h for h in logs if "rewards/functional/mean" in h]
    assert step_logs[1]["reward_weight/functional"] == pytest.approx(0.6)
    assert {"crux/format", "code/functional"} <= set(step_logs[0]), "per-space components are logged"
    from transformers import AutoModelForCausalLM

    before = AutoModelForCausalLM.from_pretrained(model_path).state_dict()
    after = AutoModelForCausalLM.from_pretrained(report.checkpoint).state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before), "GRPO left every weight unchanged"
    assert str(read_manifest(tmp_path).model_path) == report.checkpoint
    assert str(tuned.crux_to_verilog.lm.model_path) == report.checkpoint
    loaded = load_compiled(CruxPipeline(), tmp_path, lm=LocalLM(model_path, device="cpu", max_tokens=8))
    assert isinstance(loaded(spec=examples[0].spec), dspy.Prediction)


def test_sft_then_grpo_keeps_both_stages(examples, model_path, tmp_path):
    sft = functools.partial(SFTCompiler, SFTSettings(max_steps=1, per_device_train_batch_size=2, device="cpu",
                                                     logging_steps=1))
    grpo_settings = GRPOSettings(**{**TINY, "max_steps": 1, "spaces": ["code"]})
    with Verifier(SimConfig(mode="differential", timeout_s=30, jobs=1)) as verifier:
        grpo = functools.partial(GRPOCompiler, grpo_settings, verifier=verifier)
        compiler = SFTGRPOCompiler(sft=sft, grpo=grpo, run_dir=tmp_path)
        tuned = compiler.compile(program_on(model_path), examples)
    stages = json.loads((tmp_path / "stages.json").read_text())
    assert [s["name"] for s in stages] == ["sft", "grpo"]
    assert (tmp_path / "sft" / "checkpoint" / "config.json").exists()
    assert (tmp_path / "grpo" / "checkpoint" / "config.json").exists()
    assert read_manifest(tmp_path / "grpo").base_model_path == stages[0]["checkpoint"], "GRPO starts from SFT"
    assert stages[1]["report"]["steps"] == 1 and (tmp_path / "grpo" / "train_log.jsonl").exists()
    assert str(tuned.spec_to_crux.lm.model_path) == stages[1]["checkpoint"]


def test_policy_realiser_writes_code_greedily_from_the_current_model(examples, model_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from optimizers.grpo.policy import CurrentPolicy
    from optimizers.grpo.realise import PolicyRealiser
    from optimizers.grpo.spaces import ProgramPredictors

    model, tokenizer = AutoModelForCausalLM.from_pretrained(model_path), AutoTokenizer.from_pretrained(model_path)
    model.train()
    policy = CurrentPolicy(model)  # before the trainer exists (prompt selection): the model given
    realiser = PolicyRealiser(policy, tokenizer, ProgramPredictors.of(CruxPipeline()), dspy.ChatAdapter(),
                              max_new_tokens=4, batch_size=2)
    items = [(ex.spec, ex.crux) for ex in examples[:3]]
    prompts = realiser.prompts(items)
    assert examples[0].crux.to_markdown().splitlines()[1] in prompts[0], "the CRUX goes in as markdown"
    first, again = realiser.realise(items), realiser.realise(items)
    assert len(first) == 3 and first == again, "greedy realisation is deterministic"
    assert model.training, "the policy's model is back in training mode"
    trained = AutoModelForCausalLM.from_pretrained(model_path)
    trained.train()
    policy.on_train_begin(None, None, None, model=torch.nn.DataParallel(trained))  # as transformers calls it
    assert realiser.current_model() is trained, "once training begins, the trainer's model, unwrapped"
    assert realiser.realise(items) == first and trained.training, "the same weights write the same code"
    import time

    cut = realiser.realise(items, deadline=time.monotonic() - 1)  # a group already timed out: stop at once
    assert len(cut) == 3 and all(len(tokenizer.encode(c, add_special_tokens=False)) <= 1 for c in cut)
    assert realiser.realise(items, deadline=time.monotonic() + 600) == first
    assert model.training and trained.training


class OneTaskVaries:
    """Rollouts of `task` disagree (the first passes); every other task's rollouts all score the same."""

    def __init__(self, task: str) -> None:
        self.task = task

    def check_group(self, problem, completions):
        return [SimResult(problem.task_id, Status.PASS if problem.task_id == self.task and i == 0 else Status.MISMATCH,
                          rewards=RewardParts(1.0, 1.0, float(problem.task_id == self.task and i == 0)))
                for i, _ in enumerate(completions)]


class TrainedTasks(TrainerCallback):
    """The task ids of the prompts training was given: the dataset of the data loader transformers hands
    every callback."""

    def __init__(self) -> None:
        self.task_ids: list[str] = []

    def on_train_begin(self, args, state, control, train_dataloader=None, **kwargs):
        self.task_ids = list(train_dataloader.dataset["task_id"])


def test_selection_trains_only_on_prompts_whose_rollouts_disagree(examples, model_path, tmp_path):
    from optimizers.grpo.select import SelectionSettings

    task = str(examples[2].task_id)
    settings = GRPOSettings(**{**TINY, "spaces": ["code"], "max_steps": 1,
                               "selection": {"keep": "functional", "min_kept": 1}})
    trained = TrainedTasks()
    compiler = GRPOCompiler(settings, tmp_path, verifier=OneTaskVaries(task), callbacks=[trained])
    compiler.compile(program_on(model_path), examples)
    selection = compiler.report.selection
    assert isinstance(settings.selection, SelectionSettings)
    assert (selection.candidates, selection.probed, selection.kept, selection.fell_back) == (4, 4, 1, False)
    assert trained.task_ids == [task, task], "GRPO trains on the disagreeing prompt only, repeated to fill a batch"
    assert compiler.report.steps == 1
    probe = (tmp_path / "prompt_probe.jsonl").read_text().splitlines()
    assert len(probe) == 5 and all(len(json.loads(line)["rewards"]) == 2 for line in probe[1:])
    assert json.loads((tmp_path / "grpo_report.json").read_text())["selection"]["kept"] == 1


def test_selection_probes_both_spaces_and_resumes_from_its_log(examples, model_path, tmp_path):
    settings = GRPOSettings(**{**TINY, "max_steps": 1, "selection": {"keep": "signal", "min_kept": 1}})
    first = GRPOCompiler(settings, tmp_path, verifier=FirstWinsChecker())
    first.compile(program_on(model_path), examples)
    selection = first.report.selection
    assert (selection.candidates, selection.probed, selection.resumed) == (8, 8, 0), "4 CRUX + 4 code prompts"
    assert selection.kept_by_space.get("code") == 4, "code groups disagree (the first rollout passes)"
    again = GRPOCompiler(settings, tmp_path, verifier=FirstWinsChecker())
    again.compile(program_on(model_path), examples)
    assert again.report.selection.resumed == 8 and again.report.selection.kept == selection.kept


def test_grpo_resumes_from_its_trainer_checkpoint_after_ctrl_c(examples, model_path, tmp_path):
    from tests.optimizers.test_resume import CtrlCAt, Steps

    settings = GRPOSettings(**{**TINY, "max_steps": 4, "max_time_s": None, "save_steps": 1})
    with pytest.raises(KeyboardInterrupt):
        GRPOCompiler(settings, tmp_path, verifier=FirstWinsChecker(), callbacks=[CtrlCAt(2)]).compile(
            program_on(model_path), examples)
    assert (tmp_path / "trainer" / "checkpoint-2").is_dir()
    steps = Steps()
    compiler = GRPOCompiler(settings, tmp_path, verifier=FirstWinsChecker(), callbacks=[steps])
    compiler.compile(program_on(model_path), examples)
    assert steps.done == [3, 4] and compiler.report.steps == 4
    # the schedule is a function of the step: the resumed steps get steps 3 and 4's weights (progress 2/4, 3/4)
    assert compiler.report.weights_history == [pytest.approx([0.2, 0.2, 0.6], abs=1e-3),
                                               pytest.approx([0.1, 0.1, 0.8], abs=1e-3)]
