"""The progressive reward schedule: weights at chosen steps, and the callback that applies them every step."""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import torch

from optimizers.grpo.schedule import RewardSchedule, RewardScheduleCallback
from optimizers.grpo.settings import GRPOSettings
from optimizers.training_clock import TrainingClock

START, END = (0.4, 0.4, 0.2), (0.0, 0.0, 1.0)


@pytest.mark.parametrize("step, expected", [(0, START), (5, (0.2, 0.2, 0.6)), (10, END), (12, END)])
def test_linear_moves_weight_from_format_and_compile_to_function(step, expected):
    assert RewardSchedule("linear", START, END).weights_at(step, 10) == pytest.approx(expected)


@pytest.mark.parametrize("step, expected", [(0, START), (3, START), (4, (0.2, 0.2, 0.6)), (8, END)])
def test_step_jumps_at_boundaries(step, expected):
    assert RewardSchedule("step", START, END, boundaries=(0.4, 0.8)).weights_at(step, 10) == pytest.approx(expected)


def test_cosine_is_slow_at_both_ends_and_halfway_in_the_middle():
    s = RewardSchedule("cosine", START, END)
    assert s.weights_at(5, 10) == pytest.approx((0.2, 0.2, 0.6))
    early, late = s.weights_at(1, 10)[2] - 0.2, 1.0 - s.weights_at(9, 10)[2]
    assert 0 < early < 0.08 and 0 < late < 0.08  # linear would move 0.08 per step


def test_warmup_holds_the_start_then_ramps_until():
    s = RewardSchedule("linear", START, END, warmup=0.2, until=0.6)
    assert s.weights_at(2, 10) == START and s.weights_at(4, 10) == pytest.approx((0.2, 0.2, 0.6))
    assert s.weights_at(6, 10) == END


def test_fixed_uses_the_end_weights_throughout():
    s = RewardSchedule("fixed", START, END)
    assert s.weights_at(0, 10) == END == s.weights_at(10, 10)


def test_bad_schedules_are_rejected_with_a_reason():
    with pytest.raises(ValueError, match="three non-negative"):
        RewardSchedule("linear", (1.0, 0.0), END)
    with pytest.raises(ValueError, match="fixed, linear, step or cosine"):
        RewardSchedule("exponential")
    with pytest.raises(ValueError, match="multiple of num_generations"):
        GRPOSettings(num_generations=5, per_device_train_batch_size=8)


def test_settings_accept_a_plain_mapping_for_the_schedule():
    assert GRPOSettings(schedule={"kind": "step", "start": [1, 0, 0], "end": [0, 0, 1]}).schedule.kind == "step"


def test_callback_sets_trainer_weights_each_step_and_logs_the_applied_ones():
    trainer = SimpleNamespace(reward_weights=torch.ones(3))
    callback = RewardScheduleCallback(RewardSchedule("linear", START, END), trainer=trainer)
    state = SimpleNamespace(global_step=0, max_steps=4, log_history=[])
    seen = []
    for step in range(4):
        state.global_step = step
        callback.on_step_begin(None, state, None)
        seen.append(trainer.reward_weights.tolist())
        state.global_step = step + 1
        state.log_history.append({"loss": 0.0, "step": step + 1})
        logs = {"loss": 0.0}
        callback.on_log(None, state, None, logs=logs)
    assert seen[0] == pytest.approx(START) and seen[2] == pytest.approx((0.2, 0.2, 0.6))
    assert logs["reward_weight/functional"] == pytest.approx(seen[3][2])
    assert state.log_history[1]["reward_weight/format"] == pytest.approx(seen[1][0])
    assert [step for step, _ in callback.history] == [0, 1, 2, 3]


def test_callback_without_a_trainer_says_what_to_do():
    with pytest.raises(RuntimeError, match=r"callback.bind\(trainer\)"):
        RewardScheduleCallback(RewardSchedule()).on_step_begin(None, SimpleNamespace(global_step=0, max_steps=1), None)


def test_callback_is_bound_once_to_the_trainer_built_with_it():
    trainer = SimpleNamespace(reward_weights=torch.ones(3))
    callback = RewardScheduleCallback(RewardSchedule("fixed", START, END))
    callback.bind(trainer)
    callback.bind(trainer)  # the same trainer again is harmless
    callback.on_step_begin(None, SimpleNamespace(global_step=0, max_steps=1), None)
    assert trainer.reward_weights.tolist() == pytest.approx(END)
    with pytest.raises(RuntimeError, match="another trainer"):
        callback.bind(SimpleNamespace(reward_weights=torch.ones(3)))


def test_a_training_clock_moves_the_weights_when_it_is_nearer_than_max_steps():
    # A run stopped by its clock at step 3 of a nominal 1,000 must still end on function-heavy weights.
    clock = TrainingClock(seconds=100.0)
    callback = RewardScheduleCallback(RewardSchedule("linear", START, END), clock=clock)
    state = SimpleNamespace(global_step=3, max_steps=1000)
    assert callback.current(state) == pytest.approx(RewardSchedule("linear", START, END).weights_at(3, 1000))
    clock._start = time.perf_counter() - 50.0  # half the clock's time used
    assert callback.progress(state) == pytest.approx(0.5, abs=0.01)
    assert callback.current(state) == pytest.approx((0.2, 0.2, 0.6), abs=0.01)
    clock._start = time.perf_counter() - 500.0  # past the clock's time: clamped at the end weights
    assert callback.current(state) == pytest.approx(END)
    state.global_step = 900  # steps nearer than time: steps win
    clock._start = time.perf_counter() - 10.0
    assert callback.progress(state) == pytest.approx(0.9)
