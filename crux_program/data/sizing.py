"""How big a curriculum must be, and how long building it takes, known before anything is simulated.

Splits are drawn per design (a design's parameter combination decides train, val or test_seen), so the designs
alone, generated in milliseconds without a simulator, tell which splits a `size` fills. `check_splits` refuses
a size that leaves a needed split empty and names the smallest size that fills them all; `build_estimate`
says what a build will cost before it starts (each distinct reference is simulated once).
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, replace

from crux_program.data.curriculum import SyntheticConfig, generate_designs
from crux_program.errors import UserError

# Measured wall time of one reference's self-check per worker (2,552 examples, 441 designs: 86 s on 2 cores,
# differential mode); compile-only checks are iverilog alone.
SECONDS_PER_DESIGN = {"differential": 0.39, "compile": 0.1, "none": 0.0}
_LARGEST = 1_000_000  # sizes searched for the smallest that works stop here


@dataclass(frozen=True)
class SplitDesigns:
    """Designs per split for one config (each becomes `variants_per_design` examples)."""

    designs: dict[str, int]

    def empty(self, needed: tuple[str, ...]) -> list[str]:
        return [s for s in needed if not self.designs.get(s)]

    @property
    def total(self) -> int:
        return sum(self.designs.values())


def split_designs(cfg: SyntheticConfig) -> SplitDesigns:
    """How many designs land in each split (no simulation)."""
    return SplitDesigns(dict(Counter(item.split for item in generate_designs(cfg))))


def needed_splits(test_split: str) -> tuple[str, ...]:
    """The splits a run cannot do without: train (what compilers learn from) and the test split it evaluates.
    (An empty val split is only warned about: most compilers run without one.)"""
    tests = {"test": ("test_seen",), "test_seen": ("test_seen",), "test_unseen": ("test_unseen",)}[test_split]
    return ("train", *tests)


def smallest_size(cfg: SyntheticConfig, needed: tuple[str, ...]) -> int | None:
    """The smallest `size` (other settings kept) whose curriculum fills every split in `needed`, or None."""
    def fills(size: int) -> bool:
        return not split_designs(replace(cfg, size=size)).empty(needed)

    low, high = cfg.size, max(cfg.size, 1)
    while not fills(high):  # more designs per family only add combinations, so filling is monotone in size
        low, high = high, high * 2
        if high > _LARGEST:
            return None
    while low < high:
        mid = (low + high) // 2
        if fills(mid):
            high = mid
        else:
            low = mid + 1
    return high


def check_splits(cfg: SyntheticConfig, test_split: str) -> SplitDesigns:
    """Refuse a config that leaves a split this run needs empty, naming the smallest data.synthetic.size that works."""
    needed = needed_splits(test_split)
    designs = split_designs(cfg)
    empty = designs.empty(needed)
    if not empty:
        return designs
    if "test_unseen" in empty and not cfg.held_out_families:
        raise UserError("data.test_split=test_unseen needs held-out families: set data.synthetic.held_out_families="
                        "[gray_code,pulse_stretcher] (or others), or data.test_split=test_seen")
    smallest = smallest_size(cfg, needed)
    fix = (f"data.synthetic.size={smallest} is the smallest size that fills them" if smallest else
           "no size fills them with these families: add families (data.synthetic.families) or lower "
           "data.synthetic.val_fraction / test_fraction")
    raise UserError(f"data.synthetic.size={cfg.size} leaves the {', '.join(empty)} split(s) empty ({designs.designs} "
                    f"designs per split, {cfg.variants_per_design} examples each): {fix}")


def build_estimate(cfg: SyntheticConfig, designs: SplitDesigns) -> str:
    """One sentence: what a build of `cfg` holds and about how long its self-check takes on this machine."""
    workers = cfg.jobs or os.cpu_count() or 1
    seconds = designs.total * SECONDS_PER_DESIGN.get(cfg.check, 0.39) / workers
    return (f"about {designs.total * cfg.variants_per_design} examples from {designs.total} designs, each reference "
            f"self-checked once ({cfg.check}): about {seconds:.0f} s on {workers} worker(s)")
