"""The cocotb test run inside the simulator for one differential group.

It reads the plan named by $SIM_DIFF_PLAN, drives the same random stimulus into the reference and every
candidate through the wrapper's packed `stim` input (one write per cycle), lets the wrapper compare all
outputs at each sample point, and writes the per-candidate counts and first mismatch as JSON to the plan's
`results_path`. The verdict is that file, never the simulator's console.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb
from cocotb.triggers import Timer

if __package__:
    from .stimulus import DiffPlan, build_stimulus
else:  # loaded as a top-level module inside the simulator: skip importing the whole `sim` package
    from stimulus import DiffPlan, build_stimulus  # type: ignore[no-redef]

DRIVE_OFFSET_NS = 7  # 2 ns after the posedge at 5: inputs never change on a clock edge
PERIOD_NS = 10
RESET_DELAY_NS = 1  # reset changes at 8 ns: still before the 9 ns sample, so an async reset shows at once


def _first_difference(plan: DiffPlan, expected: str, got: str) -> tuple[str, str, str]:
    """(output name, expected bits, got bits) of the first output that differs where the reference is known."""
    pos = 0
    for name, width in plan.outputs:
        exp, act = expected[pos:pos + width], got[pos:pos + width]
        pos += width
        if any(e in "01" and e != a for e, a in zip(exp, act)):
            return name, exp, act
    return plan.outputs[0][0], expected, got


def _int(value) -> int:
    """Integer handles give a plain int in cocotb 2; vectors give a LogicArray."""
    return value if isinstance(value, int) else int(value.to_signed())


def _candidate_result(dut, plan: DiffPlan, k: int, samples: int) -> dict:
    errors = _int(getattr(dut, f"err_{k}").value)
    result = {"mismatches": errors, "samples": samples}
    if errors:
        first = _int(getattr(dut, f"first_{k}").value)
        output, exp, got = _first_difference(
            plan, str(getattr(dut, f"exp_{k}").value), str(getattr(dut, f"got_{k}").value)
        )
        result.update(first_sample=first, cycle=max(0, first - 1 - plan.initial_samples) // plan.samples_per_cycle,
                      output=output, expected=exp, got=got)
    return result


@cocotb.test()
async def differential(dut) -> None:
    """Drive the plan's stimulus and record every candidate's mismatches against the reference."""
    plan = DiffPlan.read(Path(os.environ["SIM_DIFF_PLAN"]))
    values, first_checked = build_stimulus(plan)
    stim = dut.stim
    reset_mask = 0 if plan.reset_lsb is None else 1 << plan.reset_lsb
    await Timer(DRIVE_OFFSET_NS, unit="ns")
    previous = values[0] & reset_mask if values else 0
    for cycle, value in enumerate(values):
        if cycle == first_checked:
            dut.check_en.value = 1
        if (value ^ previous) & reset_mask:
            # The reset moves 1 ns after the other inputs: a design whose reset edge races with a data
            # change must not pass or fail by the simulator's event order.
            stim.value = (value & ~reset_mask) | (previous & reset_mask)
            await Timer(RESET_DELAY_NS, unit="ns")
            stim.value = value
            await Timer(PERIOD_NS - RESET_DELAY_NS, unit="ns")
        else:
            stim.value = value
            await Timer(PERIOD_NS, unit="ns")
        previous = value
    samples = _int(dut.samples.value)
    results = [_candidate_result(dut, plan, k, samples) for k in range(plan.n_candidates)]
    Path(plan.results_path).write_text(json.dumps({"complete": True, "candidates": results}))
