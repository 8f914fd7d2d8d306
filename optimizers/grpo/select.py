"""Prompt selection by outcome spread: DAPO's dynamic sampling, done once before GRPO trains.

A GRPO group teaches only when its rollouts score differently: with equal rewards every advantage is 0 and
the group costs a generation for nothing. After SFT most prompts are solved in every rollout (memorised
designs) or failed the same way every time (docs/GRPO.md: 16 of 88 and 14 of 108 groups had a signal).
DAPO (Yu et al., 2025) filters such groups online, sampling until a batch is full of informative ones. TRL's
GRPOTrainer generates inside its own step, and the compiler wraps it rather than subclassing it, so the
selection here happens up front: every candidate prompt gets `num_generations` rollouts from the starting
policy with GRPO's own sampling settings, the scorer scores them exactly as a training group, and only the
prompts whose rollouts disagree are trained on.

keep="signal" keeps a prompt when any reward component varies across its rollouts (what TRL's
`frac_reward_zero_std` counts); keep="functional" only when the functional score varies (DAPO's rule: drop
prompts with accuracy 0 or 1). Probing costs generation, so it is capped (`max_probe_s`) and counted inside
the stage's `max_time_s` (equal-time comparisons stay fair). Every probed group is appended to
`run_dir/prompt_probe.jsonl` as soon as it is scored; a rerun with the same model and settings reads it back
and probes only what is missing.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

from optimizers.grpo.dataset import GRPOPrompt
from sim.fingerprint import plain_json
from sim.result import REWARD_COMPONENTS, RewardParts

log = logging.getLogger(__name__)

Keep = Literal["all", "signal", "functional"]


@dataclass
class SelectionSettings:
    """How GRPO picks its prompts (GRPOSettings.selection).

    keep: "all" (no probing), "signal" (any reward component varies within the group) or "functional"
        (the functional score varies: DAPO's accuracy-in-(0, 1) rule).
    max_probe_s: wall-time cap on probing; prompts not probed by then are dropped (None = probe them all).
    batch_prompts: prompts generated together (each with num_generations rollouts).
    min_kept: keep at least this many; when fewer disagree, training falls back to every candidate (and the
        report says so), because an empty or one-prompt dataset would teach nothing either.
    """

    keep: Keep = "all"
    max_probe_s: float | None = None
    batch_prompts: int = 4
    min_kept: int = 2

    def __post_init__(self) -> None:
        if self.keep not in ("all", "signal", "functional"):
            raise ValueError(f"selection.keep={self.keep!r}: use all, signal or functional.")
        if self.batch_prompts < 1:
            raise ValueError("selection.batch_prompts must be >= 1.")


@dataclass
class ProbedGroup:
    """The rewards of one probed prompt's rollouts, (format, compile, functional) each (None = unscored)."""

    space: str
    task_id: str
    rewards: list[tuple[float | None, float | None, float | None]]

    @property
    def key(self) -> tuple[str, str]:
        return self.space, self.task_id

    def varies(self, keep: Keep) -> bool:
        """Do the rollouts disagree on what `keep` looks at?"""
        columns = range(len(REWARD_COMPONENTS)) if keep == "signal" else [REWARD_COMPONENTS.index("functional")]
        for c in columns:
            values = [r[c] for r in self.rewards if r[c] is not None]
            if values and max(values) - min(values) > 1e-9:
                return True
        return False


@dataclass
class SelectionReport:
    """What selection did: candidates, probed, kept, seconds, and whether it fell back to every prompt."""

    keep: str
    candidates: int
    probed: int
    kept: int
    resumed: int
    seconds: float
    fell_back: bool
    kept_by_space: dict[str, int] = field(default_factory=dict)


class RolloutSampler:
    """`num_generations` sampled completions per prompt from a model, with GRPO's own sampling settings and
    TRL's prompt rendering (chat template with the generation prompt, no extra special tokens, left padding)."""

    def __init__(self, model: Any, tokenizer: Any, num_generations: int, max_new_tokens: int,
                 temperature: float = 1.0, top_p: float = 1.0, top_k: int = 0) -> None:
        self.model, self.tokenizer, self.k = model, tokenizer, num_generations
        self.max_new_tokens, self.temperature, self.top_p, self.top_k = max_new_tokens, temperature, top_p, top_k

    def sample(self, rows: Sequence[GRPOPrompt]) -> list[list[str]]:
        """For each row, `num_generations` completions (decoded without special tokens)."""
        import torch

        texts = [self.tokenizer.apply_chat_template(r.prompt, tokenize=False, add_generation_prompt=True)
                 for r in rows]
        batch = self.tokenizer(texts, return_tensors="pt", padding=True, padding_side="left",
                               add_special_tokens=False).to(self.model.device)
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                ids = self.model.generate(**batch, do_sample=True, temperature=self.temperature, top_p=self.top_p,
                                          top_k=self.top_k, num_return_sequences=self.k,
                                          max_new_tokens=self.max_new_tokens,
                                          pad_token_id=self.tokenizer.pad_token_id)
        finally:
            self.model.train(was_training)
        decoded = self.tokenizer.batch_decode(ids[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)
        return [decoded[i * self.k:(i + 1) * self.k] for i in range(len(rows))]


ScoreGroup = Callable[[str, str, list[str]], list[RewardParts | None]]


class ProbeLog:
    """run_dir/prompt_probe.jsonl: a header naming the model and settings, then one line per probed group.
    Lines are flushed as written, so an interrupted probe loses nothing; a different header starts over."""

    def __init__(self, path: Path, header: dict) -> None:
        # kept as it reads back from the file (sim.fingerprint's table, "GRPO probe log"), so a header holding a
        # tuple or a Path still matches its own record instead of starting the probe over
        self.path, self.header = path, plain_json(header)

    def load(self) -> dict[tuple[str, str], ProbedGroup]:
        if not self.path.exists():
            return {}
        lines = self.path.read_text().splitlines()
        try:
            if not lines or json.loads(lines[0]) != self.header:
                return {}
            groups = [ProbedGroup(**json.loads(line)) for line in lines[1:] if line.strip()]
        except (json.JSONDecodeError, TypeError):
            log.warning("%s is unreadable; probing again from the start.", self.path)
            return {}
        return {g.key: g for g in groups}

    def start(self, resumed: dict[tuple[str, str], ProbedGroup]) -> None:
        """Rewrite the file with the header and the groups being kept from an earlier run."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("w") as f:
            f.write(json.dumps(self.header) + "\n")
            f.writelines(json.dumps(asdict(g)) + "\n" for g in resumed.values())

    def append(self, group: ProbedGroup) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(asdict(group)) + "\n")


def _reward_tuple(p: RewardParts | None) -> tuple[float | None, float | None, float | None]:
    return tuple(None if p is None else getattr(p, name) for name in REWARD_COMPONENTS)  # type: ignore[return-value]


def probe(rows: Sequence[GRPOPrompt], sampler: RolloutSampler, score_group: ScoreGroup,
          settings: SelectionSettings, probe_log: ProbeLog) -> tuple[dict[tuple[str, str], ProbedGroup], int]:
    """Probe every row not already in the log (until `max_probe_s`); returns the groups and how many of them
    were read back from an earlier run."""
    start = time.perf_counter()
    wanted = {(r.space, r.task_id) for r in rows}
    probed = {k: g for k, g in probe_log.load().items() if k in wanted}
    resumed = len(probed)
    probe_log.start(probed)
    todo = [r for r in rows if (r.space, r.task_id) not in probed]
    for i in range(0, len(todo), settings.batch_prompts):
        if settings.max_probe_s is not None and time.perf_counter() - start >= settings.max_probe_s:
            log.info("prompt selection: probe budget of %.0f s spent after %d of %d prompts", settings.max_probe_s,
                     len(probed), len(rows))
            break
        batch = todo[i:i + settings.batch_prompts]
        for row, completions in zip(batch, sampler.sample(batch)):
            group = ProbedGroup(row.space, row.task_id,
                                [_reward_tuple(p) for p in score_group(row.space, row.task_id, completions)])
            probed[group.key] = group
            probe_log.append(group)
        log.info("prompt selection: %d/%d probed, %d disagree", len(probed), len(rows),
                 sum(g.varies(settings.keep) for g in probed.values()))
    return probed, resumed


def choose(rows: Sequence[GRPOPrompt], probed: dict[tuple[str, str], ProbedGroup], settings: SelectionSettings,
           resumed: int = 0, seconds: float = 0.0) -> tuple[list[GRPOPrompt], SelectionReport]:
    """The rows whose probed rollouts disagree, in their order (both spaces stay interleaved), and a report."""
    if settings.keep == "all":
        return list(rows), SelectionReport("all", len(rows), 0, len(rows), 0, 0.0, False)
    kept = [r for r in rows if (g := probed.get((r.space, r.task_id))) is not None and g.varies(settings.keep)]
    fell_back = len(kept) < settings.min_kept
    if fell_back:
        log.warning("prompt selection: only %d of %d probed prompts have rollouts that disagree (min_kept=%d); "
                    "training on every candidate instead.", len(kept), len(probed), settings.min_kept)
        kept = list(rows)
    by_space: dict[str, int] = {}
    for r in kept:
        by_space[r.space] = by_space.get(r.space, 0) + 1
    return kept, SelectionReport(settings.keep, len(rows), len(probed), len(kept), resumed, round(seconds, 2),
                                 fell_back, by_space)


def select_prompts(rows: Sequence[GRPOPrompt], sampler: RolloutSampler, score_group: ScoreGroup,
                   settings: SelectionSettings, probe_log: ProbeLog) -> tuple[list[GRPOPrompt], SelectionReport]:
    """Probe, then choose: the rows to train on and a report (keep="all": every row, nothing probed)."""
    if settings.keep == "all":
        return choose(rows, {}, settings)
    start = time.perf_counter()
    probed, resumed = probe(rows, sampler, score_group, settings, probe_log)
    return choose(rows, probed, settings, resumed, time.perf_counter() - start)
