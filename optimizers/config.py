"""Typed settings for every compiler in `optimizers/`.

Hydra builds these from `conf/compiler/*.yaml` (`_target_: optimizers.config.SFTSettings` ...); the compilers
take them as plain dataclasses and never see a DictConfig. Each `__post_init__` rejects values that would
only fail later, deep inside DSPy or TRL, with a message that says what to change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from optimizers.plain_lm_head import LMHead, check_lm_head
from optimizers.precision import Precision
from optimizers.resume import check_saving


@dataclass
class BootstrapSettings:
    """dspy.BootstrapFewShotWithRandomSearch: bootstrapped + labelled demos, best of N candidate sets."""

    max_bootstrapped_demos: int = 2
    max_labeled_demos: int = 2
    num_candidate_programs: int = 4
    max_rounds: int = 1
    num_threads: int = 1
    metric_threshold: float | None = None  # keep a bootstrapped trace only if its score reaches this
    # No seed: DSPy's random search seeds candidate k's shuffle with k itself, so its runs repeat anyway.

    def __post_init__(self) -> None:
        if self.num_candidate_programs < 1:
            raise ValueError("num_candidate_programs must be >= 1 (it is how many demo sets are tried).")


@dataclass
class MiproSettings:
    """dspy.MIPROv2: proposes instructions and demo sets, searches them with Bayesian optimisation."""

    auto: Literal["light", "medium", "heavy"] | None = "light"
    num_candidates: int | None = None  # required by DSPy when auto is None
    num_trials: int | None = None  # required by DSPy when auto is None
    max_bootstrapped_demos: int = 2
    max_labeled_demos: int = 2
    minibatch: bool = True
    minibatch_size: int = 25
    num_threads: int = 1
    init_temperature: float = 1.0
    seed: int = 9

    def __post_init__(self) -> None:
        if self.auto is None and (self.num_candidates is None or self.num_trials is None):
            raise ValueError("MIPROv2 with auto=null needs num_candidates and num_trials; set both or set auto.")
        if self.auto is not None and (self.num_candidates is not None or self.num_trials is not None):
            raise ValueError(f"MIPROv2 auto={self.auto} sets num_candidates and num_trials itself; set both to null, "
                             "or set auto=null to choose them.")


@dataclass
class GepaSettings:
    """dspy.GEPA: reflective instruction evolution driven by the simulator's textual feedback."""

    auto: Literal["light", "medium", "heavy"] | None = None
    max_metric_calls: int | None = 200
    max_full_evals: int | None = None
    reflection_minibatch_size: int = 3
    candidate_selection_strategy: Literal["pareto", "current_best"] = "pareto"
    use_merge: bool = False
    num_threads: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        budgets = [self.auto is not None, self.max_metric_calls is not None, self.max_full_evals is not None]
        if sum(budgets) != 1:
            raise ValueError("GEPA needs exactly one budget: set one of auto, max_metric_calls, max_full_evals "
                             "and the other two to null.")


@dataclass
class SFTSettings:
    """Supervised fine-tuning of the program's own local model with TRL's SFTTrainer.

    predictors: names of the predictors to train ("all" = every predictor of the program; for CruxPipeline
        both spec -> CRUX and spec + CRUX -> Verilog).
    lora: train a LoRA adapter through PEFT (True) or all weights (False).
    merge: with LoRA, save the merged model (True; the program then loads it like any model) or the adapter.
    device: "auto" (CUDA when available), "cpu" or "cuda".
    precision: "auto" (bf16 on CUDA, fp32 on CPU), "fp32", "bf16" (on CPU: autocast over fp32 weights).
    max_length: tokens per rendered example; longer ones are truncated at the end (a warning counts them).
    optimizer: "adamw" (HF Trainer's default) or "muon" (Muon on the hidden weight matrices, AdamW on
        embeddings and norms, one learning rate: `optimizers.muon`); muon trains a from-scratch model in far
        fewer steps (docs/TRAINING_ON_CPU.md).
    lm_head: how the loss projects hidden states to the vocabulary. "trl" is TRL's fused head (no full logits;
        on CPU it scores every position through a slow torch fallback), "plain" projects only the answer
        positions with PyTorch's log_softmax (`optimizers.plain_lm_head`; ~2x faster tiny-model SFT steps on
        CPU), "auto" picks plain off CUDA for vocabularies up to 65,536 tokens, else TRL's.
    group_by_length: batch rows of similar length together (transformers' LengthGroupedSampler: shuffled, then
        sorted within groups of 50 batches), so batches carry little padding; off = uniformly random batches.
    save_steps: write a resumable trainer checkpoint every this many optimizer steps (0: none); a rerun into
        the same folder with the same model, settings and rows resumes from the newest (`optimizers.resume`).
        For runs bounded by max_steps or epochs (max_time_s null). save_total_limit: how many are kept.
    """

    predictors: list[str] = field(default_factory=lambda: ["all"])
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.0
    lora_target_modules: list[str] | str = "all-linear"
    merge: bool = True
    learning_rate: float = 1e-3
    optimizer: Literal["adamw", "muon"] = "adamw"
    num_train_epochs: float = 3.0
    max_steps: int = -1  # > 0 overrides num_train_epochs
    max_time_s: float | None = None  # wall-clock cap (s): training stops then; a compile() budget may cut it
    anneal_by_time: bool = True  # with max_time_s: warmup + lr_scheduler_type over the wall-clock budget, not steps
    per_device_train_batch_size: int = 8
    gradient_accumulation_steps: int = 1
    max_length: int = 2048
    warmup_ratio: float = 0.05
    weight_decay: float = 0.0
    lr_scheduler_type: str = "cosine"  # cosine, linear, constant or warmup_stable_decay (then see decay_fraction)
    decay_fraction: float = 0.2  # warmup_stable_decay: the last share of the run (steps or time) that decays to 0
    packing: bool = False
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Precision = "auto"
    logging_steps: int = 10
    max_examples: int | None = None  # cap on training examples (each gives one row per predictor)
    seed: int = 0
    lm_head: LMHead = "auto"
    group_by_length: bool = True
    save_steps: int = 0
    save_total_limit: int = 1

    def __post_init__(self) -> None:
        check_lm_head(self.lm_head)
        check_saving(self.save_steps, self.save_total_limit, self.max_time_s, "SFT")
        if self.learning_rate <= 0:
            raise ValueError("learning_rate must be > 0.")
        if self.optimizer not in ("adamw", "muon"):
            raise ValueError(f"optimizer={self.optimizer!r}: choose adamw or muon.")
        if self.max_steps <= 0 and self.num_train_epochs <= 0:
            raise ValueError("Set num_train_epochs > 0 or max_steps > 0, otherwise SFT trains nothing.")
        if not 0.0 < self.decay_fraction <= 1.0:
            raise ValueError(f"decay_fraction={self.decay_fraction}: must be in (0, 1], the share of the run "
                             "that warmup_stable_decay spends decaying.")
        if self.lora and self.lora_r < 1:
            raise ValueError("lora_r must be >= 1 when lora is on.")


@dataclass
class RFTSettings:
    """Rejection-sampling fine-tuning: sample with the program, keep what the simulator passes, then SFT.

    samples_per_example: program runs per training example (at `temperature`).
    min_score: a sample is kept if the metric's score reaches this (1.0 = passes the simulator).
    include_gold: also train on the gold triplets (plain SFT data plus self-generated successes).
    max_time_s: wall-clock cap of the whole compile (None: sampling and training run to the end); an overall
        budget given to compile() can only shorten it.
    sample_fraction: the share of max_time_s after which sampling starts no new run; training gets the rest.
    """

    samples_per_example: int = 4
    temperature: float = 0.8
    min_score: float = 1.0
    include_gold: bool = False
    num_threads: int = 1
    max_time_s: float | None = None
    sample_fraction: float = 0.5
    sft: SFTSettings = field(default_factory=SFTSettings)

    def __post_init__(self) -> None:
        if self.samples_per_example < 1:
            raise ValueError("samples_per_example must be >= 1.")
        if self.max_time_s is not None and self.max_time_s <= 0:
            raise ValueError(f"rft max_time_s={self.max_time_s}: give a positive number of seconds, or null.")
        if not 0.0 < self.sample_fraction < 1.0:
            raise ValueError(f"rft sample_fraction={self.sample_fraction}: give a share in (0, 1) of max_time_s "
                             "for sampling; training gets the rest.")
        if self.max_time_s is not None and self.sft.save_steps:
            raise ValueError("rft: sft.save_steps cannot be used with max_time_s (the training step then runs "
                             "under a wall-clock cap, which a resumed run cannot continue); set one of them off.")
