"""An overall time budget (task.time_budget_s) shortens time-capped training, split across stages by their caps."""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from optimizers.base import Compiler
from optimizers.sft_grpo import SFTGRPOCompiler, stage_budget
from optimizers.time_budget import Budget
from optimizers.training_clock import MIN_SECONDS, SAVE_RESERVE_S, TrainingClock


class _Capped(Compiler):
    """A stage that records the time it was given instead of training: (folder, time left in its budget or None,
    its effective cap)."""

    name = "capped"

    def __init__(self, run_dir, cap: float | None, log: list, takes_s: float = 0.05) -> None:
        super().__init__(run_dir)
        self.cap, self.log, self.takes_s = cap, log, takes_s

    def time_cap(self):
        return self.cap

    def compile(self, program, trainset, valset=None, *, budget: Budget | None = None):
        left = None if budget is None else budget.left()
        self.log.append((self.run_dir.name, left, self.cap if budget is None else budget.cap(self.cap)))
        time.sleep(self.takes_s)
        return program


@pytest.fixture
def stages(tmp_path, monkeypatch):
    """A two-stage sft_grpo pipeline whose stages are `_Capped` (360 s then 180 s, as conf/compiler/sft_grpo.yaml),
    built as `stages(folder, sft_takes_s=...)`; returns (compiler, log)."""
    import optimizers.sft_grpo as sft_grpo

    monkeypatch.setattr(sft_grpo, "local_model_path", lambda lm: tmp_path)
    monkeypatch.setattr(sft_grpo, "bound_lm", lambda program: None)
    monkeypatch.setattr(sft_grpo, "read_manifest", lambda d: SimpleNamespace(model_path=None))
    monkeypatch.setattr(sft_grpo, "save_compiled", lambda *a, **k: None)

    def build(folder: str, sft_takes_s: float = 0.05):
        log: list = []
        compiler = SFTGRPOCompiler(sft=lambda run_dir: _Capped(run_dir, 360, log, sft_takes_s),
                                   grpo=lambda run_dir: _Capped(run_dir, 180, log), run_dir=tmp_path / folder)
        return compiler, log

    return build


def test_a_budget_shrinks_the_clock_when_training_begins():
    control = SimpleNamespace(should_training_stop=False)
    clock = TrainingClock(seconds=600, budget=Budget.starting_now(120))
    clock.on_train_begin(None, None, control)
    assert 119 - SAVE_RESERVE_S <= clock.seconds <= 120 - SAVE_RESERVE_S, "the checkpoint's save is kept in reserve"
    roomy = TrainingClock(seconds=60, budget=Budget.starting_now(600))
    roomy.on_train_begin(None, None, control)
    assert roomy.seconds == 60, "a budget never lengthens training"
    late = TrainingClock(seconds=60, budget=Budget.starting_now(-5))
    late.on_train_begin(None, None, control)
    assert late.seconds == MIN_SECONDS, "a spent budget still leaves a few steps"


def test_a_budget_caps_only_what_is_capped():
    budget = Budget.starting_now(10)
    assert budget.cap(None) is None, "training bounded by steps or epochs is never cut"
    assert 9 < budget.cap(300) <= 10, "a cap longer than the time left shrinks to it"
    assert budget.cap(5) == 5, "a cap that fits stays"
    assert Budget.starting_now(-5).cap(60) < 0, "a spent budget leaves less than nothing; callers floor it"
    assert 4.9 < budget.split(0.5).left() <= 5
    assert budget.split(0.5).ends_at < budget.ends_at


def test_only_stages_capped_by_time_get_a_budget(tmp_path):
    log: list = []
    uncapped, capped = _Capped(tmp_path / "a", None, log), _Capped(tmp_path / "b", 300, log)
    budget = Budget.starting_now(10)
    assert stage_budget(budget, uncapped, [uncapped]) is None
    assert stage_budget(None, capped, [capped]) is None
    assert 9 < stage_budget(budget, capped, [capped]).left() <= 10
    assert 9 < stage_budget(budget, capped, [capped, uncapped]).left() <= 10, "an uncapped stage after: all of it"


def test_two_stages_share_the_time_left_by_their_caps(stages):
    compiler, log = stages("c")
    assert compiler.time_cap() == 540
    compiler.compile(object(), [], budget=Budget.starting_now(90))
    (first, sft_s, _), (second, grpo_s, _) = log
    assert (first, second) == ("sft", "grpo")
    assert sft_s == pytest.approx(60, abs=0.5), "2/3 of 90 s for the 360 s stage"
    # the last stage gets whatever is left: here the first stage finished early, so nearly all of it
    assert grpo_s == pytest.approx(90 - 0.05, abs=0.5)

    free, log = stages("d")
    free.compile(object(), [])
    assert [left for _, left, _ in log] == [None, None], "no budget: stages keep their own caps"
    assert [cap for _, _, cap in log] == [360, 180]


def test_run_fits_the_compiler_after_reserving_the_evaluations(stages):
    from run import compile_budget

    roomy, _ = stages("e")
    assert compile_budget(roomy, budget_s=2000, spent_s=100, eval_s=60) is None, "caps that fit are left alone"
    tight, _ = stages("f")
    budget = compile_budget(tight, budget_s=840, spent_s=260, eval_s=65)
    # 840 - 260 - 2 evaluations x 65 s x 1.1 = 437 s for both stages
    assert budget.left() == pytest.approx(437, abs=1)


def test_the_main_jobs_stage_caps(stages):
    """The main job (840 s, sft_grpo's 360 + 180 s caps): the caps each stage trains under, as they were when
    the budget was set on the compiler before compile() rather than passed to it."""
    from run import compile_budget

    # 38 s spent, 257 s reserved (2 evaluations of 116.8 s, x 1.1): 545 s left >= 540 s, so no budget at all,
    # and the GRPO stage keeps its 180 s even when the SFT stage overran its 360 s (loading, saving).
    fits, log = stages("g", sft_takes_s=0.3)
    budget = compile_budget(fits, budget_s=840, spent_s=38, eval_s=257 / 2.2)
    assert budget is None
    fits.compile(object(), [], budget=budget)
    assert log == [("sft", None, 360), ("grpo", None, 180)]

    # 100 s spent, 257 s reserved: 483 s for both stages; SFT gets 360/540 of it, GRPO what SFT leaves
    tight, log = stages("h", sft_takes_s=0.3)
    budget = compile_budget(tight, budget_s=840, spent_s=100, eval_s=257 / 2.2)
    assert budget.left() == pytest.approx(483, abs=0.5)
    tight.compile(object(), [], budget=budget)
    (_, sft_left, sft_cap), (_, grpo_left, grpo_cap) = log
    assert sft_left == pytest.approx(322, abs=0.5) and sft_cap == pytest.approx(322, abs=0.5)
    assert grpo_left == pytest.approx(483 - 0.3, abs=0.5) and grpo_cap == 180, "GRPO's own cap fits what is left"


def test_rft_ends_within_its_cap_or_the_budget(tmp_path):
    from optimizers.config import RFTSettings
    from optimizers.rft import RFTCompiler

    capped = RFTCompiler(RFTSettings(max_time_s=60.0), tmp_path / "rft", lambda *a, **k: 1.0)
    assert 59 < capped._own_budget(None).left() <= 60
    assert 29 < capped._own_budget(Budget.starting_now(30)).left() <= 30
    assert 59 < capped._own_budget(Budget.starting_now(600)).left() <= 60
    free = RFTCompiler(RFTSettings(), tmp_path / "free", lambda *a, **k: 1.0)
    assert free._own_budget(Budget.starting_now(30)) is None, "an uncapped RFT is not bounded by a budget"


def test_a_budget_with_no_timed_evaluation_says_so(stages, caplog):
    from run import compile_budget

    compiler, _ = stages("i")
    with caplog.at_level("WARNING"):
        compile_budget(compiler, budget_s=840, spent_s=100, eval_s=None)
    assert "no evaluation was timed" in caplog.text and "compare_stages=true" in caplog.text
