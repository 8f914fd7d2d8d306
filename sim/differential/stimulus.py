"""Random stimulus of a differential run, shared by the parent (which writes the plan) and the cocotb test.

Kept free of heavy imports: it is loaded inside the simulator, where every import costs start-up time.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Each driven field draws, per cycle: a fresh random value (most of the time), a corner value, a constant
# harvested from the reference (so `scancode == 16'he075` or `case` labels get hit), or the previous value;
# now and then it holds its value for a long run (a lemming falling for 20+ cycles, a counter left alone).
P_ZERO, P_ONES, P_CONST, P_HOLD = 0.06, 0.06, 0.12, 0.12
P_RUN, RUN_CYCLES = 0.02, (5, 64)
MAX_CONSTANTS = 64
_SIZED = re.compile(r"\b(\d+)\s*'[sS]?([bBoOdDhH])\s*([0-9a-fA-F_]+)\b")
_DECIMAL = re.compile(r"(?<![\w'.$])(\d+)(?![\w'.])")


def harvest_constants(source: str) -> list[int]:
    """Numbers written in a reference (sized literals and plain decimals), the values its logic compares to."""
    found: list[int] = []
    for width, base, digits in _SIZED.findall(source):
        found.append(int(digits.replace("_", "") or "0", {"b": 2, "o": 8, "d": 10, "h": 16}[base.lower()]))
    found += [int(d) for d in _DECIMAL.findall(source)]
    unique = sorted(set(found))
    return unique[:MAX_CONSTANTS]


@dataclass
class DiffPlan:
    """Everything the cocotb test needs, written as JSON next to the build.

    fields: (name, lsb, width) of each input packed into `stim`.
    outputs: (name, width) of each compared output, first output in the MSBs of the captured values.
    suffix: the hidden suffix of every wrapper name (sim.differential.names.WrapperNames).
    reset_lsb: bit of `stim` that carries the reset (None: no reset found).
    """

    seed: int
    cycles: int
    stim_width: int
    fields: list[tuple[str, int, int]]
    outputs: list[tuple[str, int]]
    n_candidates: int
    sequential: bool
    suffix: str
    reset_lsb: int | None = None
    reset_active_low: bool = False
    samples_per_cycle: int = 1
    constants: list[int] = field(default_factory=list)
    initial_samples: int = 0  # samples taken before the first cycle (initial state of reset-less designs)
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
    later = 3 + plan.cycles // 125  # about one reset sequence per 125 cycles
    first_free = windows[0][1] + 4
    if plan.cycles > first_free + 4:
        for start in sorted(rng.sample(range(first_free, plan.cycles), min(later, plan.cycles - first_free))):
            windows.append((start, start + rng.randint(1, 3)))
    return windows


def _draw(rng: random.Random, width: int, previous: int, constants: list[int]) -> int:
    draw = rng.random()
    if draw < P_ZERO:
        return 0
    draw -= P_ZERO
    if draw < P_ONES:
        return (1 << width) - 1
    draw -= P_ONES
    if draw < P_CONST and constants:
        return rng.choice(constants) & ((1 << width) - 1)
    draw -= P_CONST
    if draw < P_HOLD:
        return previous
    return rng.getrandbits(width)


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
    hold_left = {name: 0 for name, _, _ in plan.fields}
    values: list[int] = []
    for cycle in range(plan.cycles):
        word = 0
        for name, lsb, width in plan.fields:
            if lsb == plan.reset_lsb:
                asserted = in_reset[cycle]
                bit = int(asserted) ^ int(plan.reset_active_low)
                word |= bit << lsb
                continue
            value = _draw(rng, width, previous[name], plan.constants)
            if hold_left[name] > 0:
                hold_left[name] -= 1
                value = previous[name]
            elif rng.random() < P_RUN:
                hold_left[name] = rng.randint(*RUN_CYCLES)
            previous[name] = value
            word |= value << lsb
        values.append(word)
    first_checked = windows[0][1] if windows else 0
    return values, first_checked


def first_checked_cycle(plan: DiffPlan) -> int:
    """The cycle at which checking starts, as build_stimulus computes it (its first random draws)."""
    windows = reset_windows(plan, random.Random(plan.seed))
    return windows[0][1] if windows else 0


def expected_samples(plan: DiffPlan) -> int:
    """How many times the wrapper's check task runs for this plan: the harness's own comparisons only.

    cocotb drives cycle c from 7 + 10c ns and stops at 7 + 10 * cycles. A sequential wrapper samples at
    6, 9 and 14 ns past each 10 ns boundary (harness.wrapper_source), so the cycles from f on hold
    3 * (cycles - f) samples after checking starts at 7 + 10f; without a reset, checking is on from time 0 and
    adds the 1 ns initial sample and the 6 ns one before cycle 0 starts. A combinational wrapper samples once
    per cycle, at 9 + 10c. The parent compares this with the count the simulation reports: any other count
    means something besides the wrapper ran the comparison.
    """
    first = first_checked_cycle(plan)
    if first >= plan.cycles:  # a reset longer than the run: cocotb never turns checking on
        return 0 if plan.reset_lsb is not None else (2 if plan.sequential else 0)
    checked = (plan.cycles - first) * plan.samples_per_cycle
    return checked + (2 if plan.sequential and plan.reset_lsb is None else 0)
