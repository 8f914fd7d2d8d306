"""`compiler=grpo`: dual-space GRPO of the program's own local model on TRL's GRPOTrainer (wrapped).

Steps:
1. find the program's LocalLM and the HF folder behind it (as SFT does);
2. render CRUX-space and code-space prompts with the program's adapter, interleaved (`dataset.py`), and
   optionally keep only those whose rollouts from the starting policy disagree (`select.py`);
3. build the scorer over the `sim/` core (`rewards.py`): three async reward functions, format / compile /
   functional, whose weights a callback moves every step (`schedule.py`);
4. train with TRL's GRPOTrainer; CRUX rewards realise Verilog with the policy's current model (`policy.py`);
5. save run_dir/checkpoint, run_dir/train_log.jsonl and run_dir/grpo_report.json (timings, weights), keep that
   report as `compiler.report`, and return a copy of the program bound to the checkpoint through
   `LocalLM.with_model`.

Every part is built with what it needs, in the order the dependencies allow: the policy handle and the scorer
(whose reward functions the trainer takes) before the trainer, the step timer and the schedule with it. The one
late binding is the schedule's `bind(trainer)` (`schedule.py` says why).
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Callable, Sequence

import dspy

from optimizers.artifacts import save_compiled
from optimizers.base import Compiler, bound_lm, local_model_path
from optimizers.grpo.dataset import build_prompts, fill_batch, problems_by_task, to_dataset
from optimizers.grpo.policy import CurrentPolicy
from optimizers.grpo.realise import PolicyRealiser
from optimizers.grpo.rewards import DualSpaceScorer, GroupChecker
from optimizers.grpo.schedule import RewardScheduleCallback
from optimizers.grpo.select import ProbeLog, RolloutSampler, SelectionReport, choose, select_prompts
from optimizers.grpo.settings import GRPOSettings
from optimizers.grpo.spaces import ProgramPredictors
from optimizers.grpo.timing import StepTimer
from optimizers.model_folder import continues_adapter, save_trained
from optimizers.render import program_adapter
from optimizers.resume import inputs_digest, resume_point, save_kwargs
from optimizers.time_budget import Budget
from optimizers.training_clock import TrainingClock
from sim.config import SimConfig


@dataclass
class GRPOReport:
    """What one GRPO run did. `reward_fraction` is reward time / step time (the <= 10% target); reward time
    includes the policy's greedy realisation of CRUXes (`realise_s`), and `sim_fraction` leaves it out.

    step_seconds, generation_seconds, reward_seconds: each optimizer step's wall time, each generation call's,
    each scored batch's (the means above are theirs; probing for prompt selection is left out);
    time_budget_s: the wall-clock budget training ran under (None: steps alone), whose clock the reward
    schedule's progress follows too, and with `anneal_by_time` the learning rate.
    """

    checkpoint: str
    prompts: int
    steps: int
    seconds: float
    mean_step_s: float
    mean_generation_s: float
    mean_reward_s: float
    reward_fraction: float
    realise_s: float
    sim_fraction: float
    timeouts: int
    errors: int
    stopped_by_time_budget: bool
    device: str
    lora: bool
    weights_history: list
    selection: SelectionReport | None = None
    lm_head: str = ""  # "plain" (optimizers.plain_lm_head) or "trl" (TRL's fused head)
    step_seconds: list[float] = field(default_factory=list)
    generation_seconds: list[float] = field(default_factory=list)
    reward_seconds: list[float] = field(default_factory=list)
    time_budget_s: float | None = None
    anneal_by_time: bool = False


@dataclass
class GRPOTraining:
    """One built training run, what compile() saves the checkpoint from and writes the report of."""

    trainer: Any  # trl.GRPOTrainer
    timer: StepTimer
    scorer: DualSpaceScorer
    schedule: RewardScheduleCallback
    lm_head: str  # the LM head the trainer trains with ("plain" or "trl")


def sim_pool_size(requested: int) -> int:
    """Groups simulated at once in this process: `requested`, or the cores shared by this machine's processes
    (`LOCAL_WORLD_SIZE`, set by accelerate/torchrun), at least 1."""
    if requested > 0:
        return requested
    local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    return max(1, (os.cpu_count() or 1) // max(local_processes, 1))


def trl_config(settings: GRPOSettings, device: str, out_dir: Path):
    """The GRPOConfig for these settings (CUDA: bf16; CPU: fp32 weights, bf16 autocast where native)."""
    from trl import GRPOConfig

    from optimizers.precision import use_bf16

    return GRPOConfig(
        output_dir=str(out_dir / "trainer"), use_cpu=device == "cpu",
        bf16=use_bf16(device, settings.precision),  # CPU: fp32 unless precision=bf16 (autocast)
        gradient_checkpointing=False,  # small models: recomputation costs more than the memory it saves
        num_generations=settings.num_generations, per_device_train_batch_size=settings.per_device_train_batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation_steps, max_steps=settings.max_steps,
        num_train_epochs=settings.num_train_epochs, learning_rate=settings.learning_rate, beta=settings.beta,
        loss_type=settings.loss_type, temperature=settings.temperature, top_p=settings.top_p,
        max_completion_length=settings.max_completion_length,
        reward_weights=list(settings.schedule.weights_at(0, max(settings.max_steps, 1))),
        shuffle_dataset=False,  # the dataset is pre-shuffled and interleaved so every batch mixes both spaces
        use_vllm=settings.use_vllm, vllm_mode=settings.vllm_mode,
        logging_steps=settings.logging_steps, report_to="none", seed=settings.seed,
        **save_kwargs(settings.save_steps, settings.save_total_limit),
        dataloader_num_workers=0, disable_tqdm=True, log_completions=False,
    )


class GRPOCompiler(Compiler):
    """Dual-space GRPO with progressive reward weights; see the module docstring.

    sim: the simulator settings for rewards (differential mode recommended: one simulation per group);
    verifier: an already-built checker (tests, or sharing one verifier); otherwise one is built from `sim`;
    callbacks: extra `transformers.TrainerCallback`s for the trainer (a benchmark's clock, a test's Ctrl-C);
        transformers hands each the trainer's model, tokenizer, optimizer and data loaders as training runs.
    After `compile()`, `report` (GRPOReport) is what the run did: timings per step, reward weights, selection.
    """

    name = "grpo"

    def __init__(self, settings: GRPOSettings, run_dir: Path | str, sim: SimConfig | None = None,
                 adapter: dspy.Adapter | None = None, verifier: GroupChecker | None = None,
                 callbacks: Sequence = ()) -> None:
        super().__init__(run_dir)
        self.callbacks = list(callbacks)
        self.settings, self.sim, self.adapter, self.verifier = settings, sim or SimConfig(), adapter, verifier
        self.report: GRPOReport | None = None  # the last compile()'s

    def time_cap(self) -> float | None:
        return self.settings.max_time_s

    def reuse_key(self) -> dict:
        from sim.cache import JUDGE_VERSION

        return {"settings": asdict(self.settings), "sim": self.sim.cache_key_fields(), "judge": JUDGE_VERSION,
                "adapter": type(self.adapter).__name__ if self.adapter else None}

    def compile(self, program: dspy.Module, trainset: Sequence[dspy.Example],
                valset: Sequence[dspy.Example] | None = None, *, budget: Budget | None = None) -> dspy.Module:
        from optimizers.sft import bind_checkpoint
        from optimizers.model_folder import load_for_training
        from optimizers.sft_train import resolve_device

        start, s = time.perf_counter(), self.settings
        lm = bound_lm(program)
        base = local_model_path(lm)
        trainset = prompt_examples(trainset, valset, s.prompts)
        trainset = trainset[: s.max_examples] if s.max_examples else trainset
        adapter = program_adapter(self.adapter)
        rows = build_prompts(program, trainset, s.spaces, adapter, seed=s.seed)
        device = resolve_device(s.device)
        lora = (device == "cuda") if s.lora is None else s.lora
        model, tokenizer = load_for_training(base, device, s.precision, lora)
        policy = CurrentPolicy(model)  # the starting model now, the trainer's once training begins
        predictors = ProgramPredictors.of(program)
        owns_verifier = self.verifier is None
        verifier = self._new_verifier() if owns_verifier else self.verifier
        # Probing and training each get their own scorer (so training's reward share leaves probing out),
        # over one verifier and one realiser that follows the policy.
        new_scorer = partial(DualSpaceScorer, verifier, problems_by_task(trainset), predictors, adapter,
                             s.group_timeout_s, sim_pool_size(s.sim_concurrency),
                             realiser=self._realiser(predictors, adapter, tokenizer, policy),
                             realise_min_interface=s.realise_min_interface, spaces=s.spaces)
        try:  # from here on, a failure (probing, building the trainer, training) still stops the sim workers
            rows, selection = self._select(rows, model, tokenizer, new_scorer, base, budget)
            rows = fill_batch(rows, self._prompts_per_generation())
            train_s = None if s.max_time_s is None else max(s.max_time_s - selection.seconds, 1.0)
            run = self._trainer(model, tokenizer, to_dataset(rows), new_scorer(), policy, device, lora, train_s,
                                budget)
            run.trainer.train(resume_from_checkpoint=self._resume_point(base, rows))
        finally:
            if owns_verifier and hasattr(verifier, "close"):
                verifier.close()  # the verifier this compile() built (a passed-in one stays open)
        checkpoint = self._save(run.trainer, tokenizer)
        self.report = self._report(run, checkpoint, len(rows), start, device, lora, selection)
        tuned = bind_checkpoint(program, lm, checkpoint)
        if run.trainer.accelerator.is_main_process:
            save_compiled(tuned, self.run_dir, compiler=self.name, model_path=checkpoint, base_model_path=base,
                          train_examples=len(trainset), seconds=time.perf_counter() - start,
                          reward_fraction=self.report.reward_fraction, steps=self.report.steps)
        return tuned

    def _resume_point(self, base: Path, rows) -> str | None:
        """With save_steps: the newest trainer checkpoint written for this model, these settings and prompts."""
        if not self.settings.save_steps:
            return None
        digest = inputs_digest(base, self.reuse_key(), [asdict(r) if is_dataclass(r) else r for r in rows])
        return resume_point(self.run_dir / "trainer", digest)

    def _realiser(self, predictors: ProgramPredictors, adapter: dspy.Adapter, tokenizer,
                  policy: CurrentPolicy) -> PolicyRealiser | None:
        """What realises CRUX-space completions as code for their functional reward: the policy, greedily;
        None where nothing is realised (`crux_functional: false`, no CRUX space, a program without a CRUX
        predictor, or one-pass answers, whose own code is simulated)."""
        s = self.settings
        if not (s.crux_functional and "crux" in s.spaces and predictors.crux is not None
                and predictors.answer is None):
            return None
        return PolicyRealiser(policy, tokenizer, predictors, adapter, max_new_tokens=s.realise_max_new_tokens)

    def _new_verifier(self) -> GroupChecker:
        """The reward verifier: `self.sim` with each simulation capped at `settings.sim_timeout_s`."""
        from dataclasses import replace

        from sim.core import Verifier

        return Verifier(replace(self.sim, timeout_s=min(self.sim.timeout_s, self.settings.sim_timeout_s)))

    def _prompts_per_generation(self) -> int:
        """Prompts in one TRL generation batch across all processes."""
        from accelerate import PartialState

        s = self.settings
        completions = s.per_device_train_batch_size * s.gradient_accumulation_steps * PartialState().num_processes
        return max(1, completions // s.num_generations)

    def _select(self, rows, model, tokenizer, new_scorer: Callable[[], DualSpaceScorer], base: Path,
                budget: Budget | None = None):
        """GRPOSettings.selection: probe the prompts with the starting policy and keep those whose rollouts
        disagree, scored by a scorer of their own (`new_scorer()`), as training scores them. Under several
        processes the main one probes and the others read its log. Probing may use at most half of the stage's
        effective cap (`max_time_s`, or what `budget` leaves of it)."""
        s, sel = self.settings, self.settings.selection
        if sel.keep == "all":
            return choose(rows, {}, sel)
        import torch
        from accelerate import PartialState

        if s.max_time_s is not None:  # probing may use at most half the stage's time: the rest is for training
            limit = s.max_time_s if budget is None else max(budget.cap(s.max_time_s), 0.0)
            cap = limit / 2 if sel.max_probe_s is None else min(sel.max_probe_s, limit / 2)
            sel = replace(sel, max_probe_s=cap)
        # What the probe's rewards depend on (not `keep`: a rerun with another rule reuses the probes).
        # The weights' files are stamped too: an SFT stage rerun into the same folder rewrites the checkpoint
        # at the same path, and its probes must not be reused.
        from crux_program.evaluation.fingerprint import weights_stamp
        from sim.cache import JUDGE_VERSION

        header = {"model": str(base), "weights": weights_stamp(base), "spaces": list(s.spaces),
                  "prompts": s.prompts, "num_generations": s.num_generations, "temperature": s.temperature,
                  "top_p": s.top_p, "max_completion_length": s.max_completion_length, "seed": s.seed,
                  "crux_functional": s.crux_functional, "realise_min_interface": s.realise_min_interface,
                  "realise_max_new_tokens": s.realise_max_new_tokens, "sim_timeout_s": s.sim_timeout_s,
                  "sim": repr(self.sim.cache_key_fields()), "judge": JUDGE_VERSION}
        probe_log = ProbeLog(self.run_dir / "prompt_probe.jsonl", header)
        state = PartialState()
        if state.is_main_process:
            torch.manual_seed(s.seed)
            sampler = RolloutSampler(model, tokenizer, s.num_generations, s.max_completion_length, s.temperature,
                                     s.top_p)
            kept, report = select_prompts(rows, sampler, new_scorer().score_group_now, sel, probe_log)
        state.wait_for_everyone()
        if not state.is_main_process:
            kept, report = choose(rows, probe_log.load(), sel)
        return kept, report

    def _trainer(self, model, tokenizer, dataset, scorer: DualSpaceScorer, policy: CurrentPolicy, device: str,
                 lora: bool, train_s: float | None = None, budget: Budget | None = None) -> GRPOTraining:
        """The GRPOTrainer over `scorer`'s reward functions, with the schedule, the step timer, the clock
        (`train_s` seconds of training, cut to end within `budget`), the policy handle and the caller's
        callbacks."""
        from trl import GRPOTrainer

        from optimizers.plain_lm_head import apply_lm_head_choice

        s = self.settings
        clock = TrainingClock(train_s, anneal=s.anneal_by_time, budget=budget) if train_s else None
        schedule, timer = RewardScheduleCallback(s.schedule, clock=clock), StepTimer()
        callbacks = [policy, schedule, timer] + ([clock] if clock else []) + self.callbacks
        peft_config = None
        if lora and not continues_adapter(model):  # an adapter folder's adapter is trained further instead
            from peft import LoraConfig

            peft_config = LoraConfig(r=s.lora_r, lora_alpha=s.lora_alpha, target_modules=s.lora_target_modules,
                                     task_type="CAUSAL_LM")
        trainer = GRPOTrainer(model=model, reward_funcs=scorer.reward_functions(),
                              args=trl_config(s, device, self.run_dir), train_dataset=dataset,
                              processing_class=tokenizer, callbacks=callbacks, peft_config=peft_config)
        # the fields GRPOTrainer reads: log-probs for the loss, entropy for its metric and entropy masking
        lm_head = apply_lm_head_choice(trainer, s.lm_head, device, temperature=s.temperature,
                                       outputs=("log_probs", "entropy"))
        schedule.bind(trainer)  # the trainer holds the weights it sets; callbacks are never handed the trainer
        timer.instrument_generation(trainer)
        return GRPOTraining(trainer, timer, scorer, schedule, lm_head)

    def _save(self, trainer, tokenizer) -> Path:
        checkpoint = self.run_dir / "checkpoint"
        trainer.accelerator.wait_for_everyone()
        if trainer.accelerator.is_main_process:  # under `accelerate launch` one process writes the files
            save_trained(trainer.accelerator.unwrap_model(trainer.model), tokenizer, checkpoint,
                         merge=self.settings.merge)
            history = trainer.state.log_history
            (self.run_dir / "train_log.jsonl").write_text("".join(json.dumps(h) + "\n" for h in history))
        trainer.accelerator.wait_for_everyone()
        return checkpoint

    def _report(self, run: GRPOTraining, checkpoint: Path, prompts: int, start: float, device: str, lora: bool,
                selection: SelectionReport | None = None) -> GRPOReport:
        trainer, timer, scorer, clock = run.trainer, run.timer, run.scorer, run.schedule.clock
        step_s, reward_s = sum(timer.step_seconds), sum(scorer.stats.batch_seconds)
        realise_s = sum(scorer.stats.realise_seconds)
        report = GRPOReport(
            checkpoint=str(checkpoint), prompts=prompts, steps=trainer.state.global_step,
            seconds=round(time.perf_counter() - start, 2), mean_step_s=timer.summary(timer.step_seconds),
            mean_generation_s=timer.summary(timer.generation_seconds),
            mean_reward_s=timer.summary(scorer.stats.batch_seconds),
            reward_fraction=round(reward_s / step_s, 4) if step_s else 0.0, realise_s=round(realise_s, 3),
            sim_fraction=round(max(reward_s - realise_s, 0.0) / step_s, 4) if step_s else 0.0,
            timeouts=scorer.stats.timeouts,
            errors=scorer.stats.errors, stopped_by_time_budget=bool(clock and clock.stopped_early),
            device=device, lora=lora, weights_history=[list(w) for _, w in run.schedule.history],
            selection=selection, lm_head=run.lm_head, step_seconds=_rounded(timer.step_seconds),
            generation_seconds=_rounded(timer.generation_seconds),
            reward_seconds=_rounded(scorer.stats.batch_seconds),
            time_budget_s=clock.seconds if clock else None, anneal_by_time=bool(clock and clock.anneal))
        if trainer.accelerator.is_main_process:
            (self.run_dir / "grpo_report.json").write_text(json.dumps(asdict(report), indent=2))
        return report


def _rounded(seconds: list[float]) -> list[float]:
    return [round(x, 4) for x in seconds]


def prompt_examples(trainset: Sequence[dspy.Example], valset: Sequence[dspy.Example] | None,
                    source: str) -> list[dspy.Example]:
    """The examples GRPO draws its prompts from (GRPOSettings.prompts), with a clear error when that is none."""
    if source == "auto":  # val when it has prompts (designs an SFT stage never saw), else train
        source = "val" if valset else "train"
    chosen = {"train": list(trainset), "val": list(valset or []),
              "both": list(trainset) + list(valset or [])}[source]
    if not chosen:
        raise ValueError(f"GRPO has no prompts: compiler settings prompts={source!r} but that split is empty. "
                         "Use data=synthetic (it has train and val splits) or set prompts=train.")
    # a reference that failed its own differential self-check (data=corpus) cannot judge a rollout
    rewardable = [ex for ex in chosen if ex.get("rewardable", True)]
    if len(rewardable) < len(chosen):
        logging.getLogger(__name__).warning("GRPO leaves out %d of %d prompts whose reference failed its "
                                            "self-check (corpus_report.json: grpo_excluded)",
                                            len(chosen) - len(rewardable), len(chosen))
    if not rewardable:
        raise ValueError("GRPO has no prompts: no reference in the split passed its differential self-check.")
    return rewardable
