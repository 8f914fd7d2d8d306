"""Random stimulus of a differential run, shared by the parent (which writes the plan) and the cocotb test.

Kept free of heavy imports: it is loaded inside the simulator, where every import costs start-up time.
"""
from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Each driven field draws, per cycle: a fresh random value (most of the time), or a corner value / the
# previous value, so that equality conditions on wide inputs and "hold" behaviour get exercised too.
P_ZERO, P_ONES, P_HOLD = 0.08, 0.08, 0.12


@dataclass
class DiffPlan:
    """Everything the cocotb test needs, written as JSON next to the build.

    fields: (name, lsb, width) of each input packed into `stim`.
    outputs: (name, width) of each compared output, first output in the MSBs of the captured values.
    reset_lsb: bit of `stim` that carries the reset (None: no reset found).
    """

    seed: int
    cycles: int
    stim_width: int
    fields: list[tuple[str, int, int]]
    outputs: list[tuple[str, int]]
    n_candidates: int
    sequential: bool
    results_path: str
    reset_lsb: int | None = None
    reset_active_low: bool = False
    samples_per_cycle: int = 1
    extra: dict = field(default_factory=dict)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def read(cls, path: Path) -> "DiffPlan":
        data = json.loads(Path(path).read_text())
        data["fields"] = [tuple(f) for f in data["fields"]]
        data["outputs"] = [tuple(o) for o in data["outputs"]]
        return cls(**data)


def reset_windows(plan: DiffPlan, rng: random.Random) -> list[tuple[int, int]]:
    """Cycles [start, end) during which the reset is asserted: at the start and a few random times."""
    if plan.reset_lsb is None:
        return []
    windows = [(0, rng.randint(1, 3))]
    later = 3 + plan.cycles // 250
    first_free = windows[0][1] + 4
    if plan.cycles > first_free + 4:
        for start in sorted(rng.sample(range(first_free, plan.cycles), min(later, plan.cycles - first_free))):
            windows.append((start, start + rng.randint(1, 3)))
    return windows


def build_stimulus(plan: DiffPlan) -> tuple[list[int], int]:
    """The `stim` value of every cycle and the first cycle that is checked.

    Checking starts once the first reset sequence is over (before it, registers are legitimately unknown
    or arbitrary); designs without a reset are checked from the first cycle, X in the reference being a
    don't-care anyway.
    """
    rng = random.Random(plan.seed)
    windows = reset_windows(plan, rng)
    in_reset = [False] * plan.cycles
    for start, end in windows:
        for c in range(start, min(end, plan.cycles)):
            in_reset[c] = True
    previous = {name: 0 for name, _, _ in plan.fields}
    values: list[int] = []
    for cycle in range(plan.cycles):
        word = 0
        for name, lsb, width in plan.fields:
            if lsb == plan.reset_lsb:
                asserted = in_reset[cycle]
                bit = int(asserted) ^ int(plan.reset_active_low)
                word |= bit << lsb
                continue
            draw = rng.random()
            if draw < P_ZERO:
                value = 0
            elif draw < P_ZERO + P_ONES:
                value = (1 << width) - 1
            elif draw < P_ZERO + P_ONES + P_HOLD:
                value = previous[name]
            else:
                value = rng.getrandbits(width)
            previous[name] = value
            word |= value << lsb
        values.append(word)
    first_checked = windows[0][1] if windows else 0
    return values, first_checked
