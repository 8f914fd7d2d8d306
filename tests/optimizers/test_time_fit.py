"""An overall time budget (task.time_budget_s) shortens time-capped training, split across stages by their caps."""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from optimizers.base import Compiler
from optimizers.sft_grpo import SFTGRPOCompiler
from optimizers.time_budget import MIN_SECONDS, SAVE_RESERVE_S, TimeBudget


class _Capped(Compiler):
    """A stage that records the time it was given instead of training."""

    name = "capped"

    def __init__(self, run_dir, cap: float | None, log: list) -> None:
        super().__init__(run_dir)
        self.cap, self.log = cap, log

    def time_cap(self):
        return self.cap

    def compile(self, program, trainset, valset=None):
        given = None if self.deadline is None else self.deadline - time.perf_counter()
        self.log.append((self.run_dir.name, given))
        time.sleep(0.05)
        return program


def test_deadline_shrinks_the_budget_when_training_begins():
    control = SimpleNamespace(should_training_stop=False)
    budget = TimeBudget(seconds=600, deadline=time.perf_counter() + 120)
    budget.on_train_begin(None, None, control)
    assert 119 - SAVE_RESERVE_S <= budget.seconds <= 120 - SAVE_RESERVE_S, "the checkpoint's save is kept in reserve"
    roomy = TimeBudget(seconds=60, deadline=time.perf_counter() + 600)
    roomy.on_train_begin(None, None, control)
    assert roomy.seconds == 60, "a deadline never lengthens training"
    late = TimeBudget(seconds=60, deadline=time.perf_counter() - 5)
    late.on_train_begin(None, None, control)
    assert late.seconds == MIN_SECONDS, "a passed deadline still leaves a few steps"


def test_fit_time_ignores_compilers_bounded_otherwise(tmp_path):
    log: list = []
    uncapped = _Capped(tmp_path / "a", None, log)
    uncapped.fit_time(10)
    assert uncapped.deadline is None
    capped = _Capped(tmp_path / "b", 300, log)
    capped.fit_time(10)
    assert capped.deadline is not None and capped.deadline - time.perf_counter() <= 10


def test_two_stages_share_the_time_left_by_their_caps(tmp_path, monkeypatch):
    import optimizers.sft_grpo as sft_grpo

    monkeypatch.setattr(sft_grpo, "local_model_path", lambda lm: tmp_path)
    monkeypatch.setattr(sft_grpo, "bound_lm", lambda program: None)
    monkeypatch.setattr(sft_grpo, "read_manifest", lambda d: SimpleNamespace(model_path=None))
    monkeypatch.setattr(sft_grpo, "save_compiled", lambda *a, **k: None)
    log: list = []
    compiler = SFTGRPOCompiler(sft=lambda run_dir: _Capped(run_dir, 360, log),
                               grpo=lambda run_dir: _Capped(run_dir, 180, log), run_dir=tmp_path / "c")
    assert compiler.time_cap() == 540
    compiler.fit_time(90)
    compiler.compile(object(), [])
    (first, sft_s), (second, grpo_s) = log
    assert (first, second) == ("sft", "grpo")
    assert sft_s == pytest.approx(60, abs=0.5), "2/3 of 90 s for the 360 s stage"
    # the last stage gets whatever is left: here the first stage finished early, so nearly all of it
    assert grpo_s == pytest.approx(90 - 0.05, abs=0.5)

    log.clear()
    free = SFTGRPOCompiler(sft=lambda run_dir: _Capped(run_dir, 360, log),
                           grpo=lambda run_dir: _Capped(run_dir, 180, log), run_dir=tmp_path / "d")
    free.compile(object(), [])
    assert [given for _, given in log] == [None, None], "no budget: stages keep their own caps"


def test_run_fits_the_compiler_after_reserving_the_evaluations(tmp_path):
    from run import fit_compiler_to_budget

    log: list = []
    roomy = SFTGRPOCompiler(sft=lambda run_dir: _Capped(run_dir, 360, log),
                            grpo=lambda run_dir: _Capped(run_dir, 180, log), run_dir=tmp_path / "e")
    fit_compiler_to_budget(roomy, budget_s=2000, spent_s=100, eval_s=60)
    assert roomy.deadline is None, "caps that fit are left alone"
    tight = SFTGRPOCompiler(sft=lambda run_dir: _Capped(run_dir, 360, log),
                            grpo=lambda run_dir: _Capped(run_dir, 180, log), run_dir=tmp_path / "f")
    fit_compiler_to_budget(tight, budget_s=840, spent_s=260, eval_s=65)
    # 840 - 260 - 2 evaluations x 65 s x 1.1 = 437 s for both stages
    assert tight.deadline - time.perf_counter() == pytest.approx(437, abs=1)


def test_a_budget_with_no_timed_evaluation_says_so(tmp_path, caplog):
    from run import fit_compiler_to_budget

    compiler = SFTGRPOCompiler(sft=lambda run_dir: _Capped(run_dir, 360, []),
                               grpo=lambda run_dir: _Capped(run_dir, 180, []), run_dir=tmp_path / "g")
    with caplog.at_level("WARNING"):
        fit_compiler_to_budget(compiler, budget_s=840, spent_s=100, eval_s=None)
    assert "no evaluation was timed" in caplog.text and "compare_stages=true" in caplog.text
