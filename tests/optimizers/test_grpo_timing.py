"""The training clock and the step timer used for equal-time comparisons and the reward-share benchmark
(benches.grpo_reward_time, tested in tests/benches/test_grpo_benches.py)."""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from optimizers.grpo.timing import StepTimer
from optimizers.training_clock import TrainingClock


def test_training_clock_stops_training_once_spent():
    clock, control = TrainingClock(seconds=0.05), SimpleNamespace(should_training_stop=False)
    clock.on_train_begin(None, None, control)
    clock.on_step_end(None, None, control)
    assert not control.should_training_stop
    time.sleep(0.06)
    clock.on_step_end(None, None, control)
    assert control.should_training_stop and clock.stopped_early


def test_step_timer_times_steps_and_generation_calls():
    timer = StepTimer()
    trainer = SimpleNamespace(_generate=lambda prompts: time.sleep(0.02) or ["x"] * len(prompts))
    timer.instrument_generation(trainer)
    timer.on_step_begin(None, None, None)
    assert trainer._generate(["a", "b"]) == ["x", "x"]
    timer.on_step_end(None, None, None)
    assert len(timer.step_seconds) == 1 and timer.step_seconds[0] >= timer.generation_seconds[0] >= 0.02


def test_training_clock_anneals_a_lambda_schedule_by_wall_clock():
    import torch

    from optimizers.training_clock import time_cosine

    assert time_cosine(0.0, 0.1) > 0 and time_cosine(0.05, 0.1) == 0.5
    assert time_cosine(0.1, 0.1) == 1.0 and abs(time_cosine(0.55, 0.1) - 0.5) < 1e-9 and time_cosine(1.0, 0.1) == 0
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0)  # step-based: would stay at 1.0
    clock = TrainingClock(seconds=0.2, anneal=True, warmup_fraction=0.0)
    clock.on_train_begin(None, None, SimpleNamespace(should_training_stop=False), lr_scheduler=sched)
    sched.step()
    early = opt.param_groups[0]["lr"]
    time.sleep(0.15)
    sched.step()
    late = opt.param_groups[0]["lr"]
    assert early > 0.9 and late < 0.3  # the learning rate followed the clock, not the step count


def test_clock_schedules_have_the_shapes_their_names_say():
    from optimizers.training_clock import time_lr_factor

    for shape in ("cosine", "linear", "constant", "warmup_stable_decay"):
        assert time_lr_factor(0.05, 0.1, shape) == 0.5  # the same linear warmup for all
        assert time_lr_factor(0.1, 0.1, shape) == 1.0
    assert abs(time_lr_factor(0.55, 0.1, "linear") - 0.5) < 1e-9 and time_lr_factor(1.0, 0.1, "linear") == 0
    assert time_lr_factor(0.99, 0.1, "constant") == 1.0
    wsd = [time_lr_factor(f, 0.0, "warmup_stable_decay", decay_fraction=0.2) for f in (0.5, 0.8, 0.9, 1.0)]
    assert [round(x, 9) for x in wsd] == [1.0, 1.0, 0.5, 0.0]  # peak until the last 20%, then linear to 0
    with pytest.raises(ValueError, match="cannot follow the clock; choose one of cosine"):
        time_lr_factor(0.5, 0.1, "polynomial")
    with pytest.raises(ValueError, match="cannot follow the clock"):  # before training, not at its first step
        TrainingClock(seconds=60, anneal=True, shape="polynomial")
    with pytest.raises(ValueError, match="decay_fraction"):
        TrainingClock(seconds=60, anneal=True, warmup_fraction=0.05, shape="warmup_stable_decay", decay_fraction=0)


def test_training_clock_follows_the_chosen_shape():
    import torch

    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0)
    clock = TrainingClock(seconds=0.4, anneal=True, warmup_fraction=0.0, shape="warmup_stable_decay",
                          decay_fraction=0.25)
    clock.on_train_begin(None, None, SimpleNamespace(should_training_stop=False), lr_scheduler=sched)
    time.sleep(0.2)  # half the time: cosine would be at 0.5, a stable phase still at the peak
    sched.step()
    assert opt.param_groups[0]["lr"] == 1.0
    time.sleep(0.2)
    sched.step()
    assert opt.param_groups[0]["lr"] < 0.2


def test_training_clock_schedule_ends_at_zero_when_the_steps_run_out_first():
    """On a fast machine max_steps (or the epochs) end before the clock: the rate must still reach zero."""
    import torch

    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0)
    clock = TrainingClock(seconds=3600, anneal=True, warmup_fraction=0.0)
    clock.on_train_begin(None, SimpleNamespace(max_steps=4), SimpleNamespace(should_training_stop=False),
                         lr_scheduler=sched)
    lrs = []
    for _ in range(4):
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert abs(lrs[1] - 0.5) < 1e-6 and lrs[3] < 1e-9  # cosine over the 4 steps, not over the hour
