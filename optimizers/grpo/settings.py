"""GRPOSettings: the typed configuration of `compiler=grpo` (Hydra builds it from conf/compiler/grpo.yaml,
whose values are these defaults).

Defaults follow the paper: 5 rollouts per prompt, no KL term (beta = 0), both spaces, progressive weights.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from optimizers.grpo.schedule import RewardSchedule
from optimizers.grpo.select import SelectionSettings
from optimizers.plain_lm_head import LMHead, check_lm_head
from optimizers.precision import Precision
from optimizers.resume import check_saving


@dataclass
class GRPOSettings:
    """Dual-space GRPO on TRL's GRPOTrainer.

    spaces: ["crux", "code"] (dual space) or ["code"] (single-space ablation). For a one-pass program
        (CruxOnePass), each completion holds a CRUX and its code: ["crux", "code"] rewards both parts of it,
        ["code"] the code part alone (rewards.py).
    num_generations: rollouts per prompt (a GRPO group).
    prompts_per_step: prompts per device per step (2 = one CRUX-space and one code-space prompt);
        per_device_train_batch_size (TRL counts completions) is prompts_per_step x num_generations unless set.
    beta: KL coefficient (0 = no reference model, as in the paper); loss_type: TRL's loss ("dapo").
    schedule: reward weights of (format, compile, functional) over training; kind "fixed" = constant `end`.
    crux_functional: realise each CRUX with the current policy (greedy) and simulate it; off = the CRUX-space
        functional component is not scored.
    realise_min_interface: realise only CRUXes whose interface check scores at least this (1.0 = agrees with
        the reference's ports exactly; 0 = every complete CRUX). The code stage is told to use the CRUX's
        interface, so a CRUX with a wrong one steers its code into an interface failure: it gets functional 0
        without paying the generation (realisation is the dearest part of the reward).
    group_timeout_s: hard wall-clock limit on scoring one group; overrun = reward 0, training goes on.
    sim_timeout_s: wall-clock limit of each reward simulation (the lower of it and `sim.timeout_s`; evaluation
        keeps `sim.timeout_s`, the official 30 s). A candidate that hangs costs its group one group run and one
        run alone, so group_timeout_s must hold two of these: then only the hung rollout scores 0, not the
        whole group.
    sim_concurrency: groups simulated at once per process; 0 = CPU cores / processes on this machine.
    max_time_s: stop after this much wall time, prompt selection included (None = no limit); for equal-time
        comparisons. An overall `budget` given to compile() can only shorten it. The reward schedule then
        follows whichever limit is nearer (steps or time).
    anneal_by_time: with max_time_s, the learning rate warms up and decays (cosine) over the wall-clock budget
        rather than over max_steps, as SFT does: a run stopped by time still ends at a low learning rate.
    prompts: which examples GRPO samples prompts from: "train" (the train split), "val" (the val split: designs
        an SFT stage before it never saw), "both", or "auto" (val when it has examples, else train). After an SFT that has memorised the train split, train
        prompts are solved in every rollout and their groups carry no advantage (docs/GRPO.md, Figures).
    selection: which prompts to train on, measured before training (select.py: DAPO's dynamic sampling done
        up front: keep prompts whose rollouts disagree); keep="all" = no probing.
    device: "auto" (CUDA when visible), "cpu" or "cuda"; CUDA trains in bf16 (LoRA by default there).
    lora: None = LoRA on CUDA, full weights on CPU.
    lm_head: "auto", "plain" or "trl": how the loss's log-probs are computed (`optimizers.plain_lm_head`;
        "auto" = plain off CUDA for vocabularies up to 65,536, where TRL's fallback scores every position).
    use_vllm / vllm_mode: TRL's vLLM generation ("server": `trl vllm-serve`; "colocate": in-process), only
        where vLLM is installed (GPU machines).
    save_steps / save_total_limit: resumable trainer checkpoints, as in SFTSettings (`optimizers.resume`);
        they need max_time_s=null.
    """

    spaces: list[Literal["crux", "code"]] = field(default_factory=lambda: ["crux", "code"])
    num_generations: int = 5
    prompts_per_step: int = 2
    per_device_train_batch_size: int | None = None
    gradient_accumulation_steps: int = 1
    max_steps: int = 24
    num_train_epochs: float = 1.0
    learning_rate: float = 1e-4  # tiny model, full weights; ~1e-5 with LoRA on real models
    beta: float = 0.0
    loss_type: str = "dapo"
    temperature: float = 1.0
    top_p: float = 1.0
    max_completion_length: int = 256
    schedule: RewardSchedule = field(default_factory=RewardSchedule)
    crux_functional: bool = True
    realise_max_new_tokens: int = 256
    realise_min_interface: float = 1.0
    group_timeout_s: float = 60.0
    sim_timeout_s: float = 10.0
    sim_concurrency: int = 0
    max_time_s: float | None = 300.0
    anneal_by_time: bool = True
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Precision = "auto"  # see optimizers.precision
    lm_head: LMHead = "auto"
    lora: bool | None = None
    lora_r: int = 16
    lora_alpha: int = 32
    lora_target_modules: list[str] | str = "all-linear"
    merge: bool = True
    use_vllm: bool = False
    vllm_mode: Literal["server", "colocate"] = "server"
    logging_steps: int = 1
    max_examples: int | None = None
    prompts: Literal["train", "val", "both", "auto"] = "train"
    selection: SelectionSettings = field(default_factory=SelectionSettings)
    seed: int = 0
    save_steps: int = 0
    save_total_limit: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.schedule, dict) or hasattr(self.schedule, "items"):  # plain mapping from a config
            self.schedule = RewardSchedule(**dict(self.schedule))
        if isinstance(self.selection, dict) or hasattr(self.selection, "items"):
            self.selection = SelectionSettings(**dict(self.selection))
        self.spaces = list(self.spaces)
        if not self.spaces or set(self.spaces) - {"crux", "code"}:
            raise ValueError(f"GRPOSettings.spaces={self.spaces}: use [crux, code] (dual) or [code] (single).")
        if self.per_device_train_batch_size is None:
            self.per_device_train_batch_size = self.prompts_per_step * self.num_generations
        if self.num_generations < 2:
            raise ValueError("num_generations must be >= 2: GRPO's advantage compares rollouts of one prompt.")
        if self.per_device_train_batch_size % self.num_generations:
            raise ValueError(f"per_device_train_batch_size={self.per_device_train_batch_size} counts completions "
                             f"and must be a multiple of num_generations={self.num_generations}.")
        if self.group_timeout_s <= 0 or self.sim_timeout_s <= 0:
            raise ValueError("group_timeout_s and sim_timeout_s must be > 0 seconds.")
        if self.group_timeout_s < 2 * self.sim_timeout_s + 10:
            raise ValueError(f"group_timeout_s={self.group_timeout_s} cannot hold a hung rollout's two simulations "
                             f"of sim_timeout_s={self.sim_timeout_s} (group run + run alone) plus compiles: the "
                             "whole group would score 0. Raise group_timeout_s to at least "
                             f"{2 * self.sim_timeout_s + 10:g} or lower sim_timeout_s.")
        check_lm_head(self.lm_head)
        check_saving(self.save_steps, self.save_total_limit, self.max_time_s, "GRPO")
        if self.prompts not in ("train", "val", "both", "auto"):
            raise ValueError(f"GRPOSettings.prompts={self.prompts!r}: use train, val, both or auto.")
        if self.max_steps <= 0 and self.num_train_epochs <= 0:
            raise ValueError("Set max_steps > 0 or num_train_epochs > 0, otherwise GRPO trains nothing.")
