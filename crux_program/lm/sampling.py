"""Per-row sampling inside one batched `generate`: each request keeps its own temperature, top_p, seed and
token budget although it shares the forward passes with the others.

Transformers samples a whole batch with one temperature and one global RNG, so a request's sample would depend
on what it was batched with. `RowSampler` instead draws each row's next token with that row's own
`torch.Generator` and settings, and hands `generate` (run greedily) a score row where only the drawn token is
finite, so greedy decoding picks exactly it. Rows at temperature 0 are left alone (plain greedy).
`RowBudget` stops each row at its own `max_tokens`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import torch
from transformers import LogitsProcessor, StoppingCriteria

from crux_program.lm.seeds import derive_seed  # noqa: F401  (re-exported: DrawSeeds' seeds)
from sim.fingerprint import digest_text


@dataclass(frozen=True)
class SampleSettings:
    """How one request samples: temperature 0 means greedy; the seed fixes the draw for temperature > 0."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 512
    seed: int = 0

    def __post_init__(self) -> None:
        if self.temperature < 0 or not 0 < self.top_p <= 1 or self.max_tokens < 1:
            raise ValueError(f"Invalid sampling settings {self}: need temperature >= 0, 0 < top_p <= 1, "
                             "max_tokens >= 1")


class DrawSeeds:
    """Gives the k-th identical sampling request (same prompt and settings) the k-th derived seed.

    DSPy asks an engine n times with the same request for n candidates, and with the response cache off a
    repeated call is the same request again: each must be a new sample, yet a rerun of the same calls must give
    the same samples. Greedy requests (temperature 0) keep their settings. Thread-safe.
    """

    def __init__(self) -> None:
        self._draws: Counter[str] = Counter()
        self._lock = threading.Lock()

    def assign(self, prompt: str, settings: SampleSettings) -> SampleSettings:
        """`settings` with the seed of this prompt's next draw (base: `settings.seed`)."""
        if settings.temperature == 0:
            return settings
        key = digest_text(f"{prompt}\x00{settings.temperature}\x00{settings.top_p}\x00{settings.seed}")
        with self._lock:
            draw = self._draws[key]
            self._draws[key] += 1
        return replace(settings, seed=derive_seed(settings.seed, key, draw))


def top_p_filter(logits: torch.Tensor, top_p: torch.Tensor) -> torch.Tensor:
    """Set to -inf every logit outside the smallest set whose probability reaches `top_p` (per row)."""
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
    probs = torch.softmax(sorted_logits, dim=-1)
    mass_before = torch.cumsum(probs, dim=-1) - probs
    drop_sorted = mass_before >= top_p.unsqueeze(-1)  # the top token always stays (mass before it is 0)
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


class RowSampler(LogitsProcessor):
    """Draw each sampling row's next token with its own generator; leave greedy rows unchanged."""

    def __init__(self, settings: Sequence[SampleSettings], device: torch.device | str) -> None:
        self.device = torch.device(device)
        self.sampled_rows = [i for i, s in enumerate(settings) if s.temperature > 0]
        rows = self.sampled_rows
        self.temperatures = torch.tensor([settings[i].temperature for i in rows], device=self.device)
        self.top_ps = torch.tensor([settings[i].top_p for i in rows], device=self.device)
        self.generators = []
        for i in rows:
            generator = torch.Generator(device=self.device)
            generator.manual_seed(settings[i].seed)
            self.generators.append(generator)
        self._row_index = torch.tensor(rows, dtype=torch.long, device=self.device)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if not self.sampled_rows:
            return scores
        logits = scores.index_select(0, self._row_index).float() / self.temperatures.unsqueeze(-1)
        probs = torch.softmax(top_p_filter(logits, self.top_ps), dim=-1)
        drawn = torch.stack([
            torch.multinomial(probs[j], 1, generator=generator).squeeze(0)
            for j, generator in enumerate(self.generators)
        ])
        forced = torch.full((len(self.sampled_rows), scores.shape[-1]), float("-inf"), device=scores.device,
                            dtype=scores.dtype)
        forced.scatter_(1, drawn.unsqueeze(-1), 0.0)
        out = scores.clone()
        out.index_copy_(0, self._row_index, forced)
        return out


class RowBudget(StoppingCriteria):
    """Per-row stop once a row has produced its own `max_tokens` new tokens."""

    def __init__(self, prompt_length: int, budgets: Sequence[int], device: torch.device | str) -> None:
        self.prompt_length = prompt_length
        self.budgets = torch.tensor(list(budgets), dtype=torch.long, device=device)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs) -> torch.BoolTensor:
        produced = input_ids.shape[1] - self.prompt_length
        return produced >= self.budgets
