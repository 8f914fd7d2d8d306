"""The cocotb test run inside the simulator for one differential group.

It reads the plan named by $SIM_DIFF_PLAN, drives the same random stimulus into the reference and every
candidate through the wrapper's packed `stim` input (one write per cycle), lets the wrapper compare all
outputs at each sample point, and reports the per-candidate counts and first mismatch as ONE line on stdout:
`<nonce> <json>`, the nonce being fresh per simulation. The candidates print into the same stdout but cannot
know the nonce: child.py hands it over in a file that this module reads and deletes when cocotb imports it,
before the simulator runs any Verilog, and it is in no environment the simulator can read. Nothing is written
into a folder a candidate could write. The wrapper's names come from the plan's hidden suffix
(names.WrapperNames).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb
from cocotb.triggers import Timer

if __package__:
    from .names import WrapperNames
    from .stimulus import DiffPlan, build_stimulus
else:  # loaded as a top-level module inside the simulator: skip importing the whole `sim` package
    from names import WrapperNames  # type: ignore[no-redef]
    from stimulus import DiffPlan, build_stimulus  # type: ignore[no-redef]

DRIVE_OFFSET_NS = 7  # 2 ns after the posedge at 5: inputs never change on a clock edge
PERIOD_NS = 10
RESET_DELAY_NS = 1  # reset changes at 8 ns: still before the 9 ns sample, so an async reset shows at once
NONCE_FILE_ENV = "SIM_DIFF_NONCE_FILE"


def _take_nonce() -> str | None:
    """Read and delete the nonce file child.py wrote (None when imported outside a differential run)."""
    name = os.environ.pop(NONCE_FILE_ENV, None)
    if name is None:
        return None
    path = Path(name)
    nonce = path.read_text().strip()
    path.unlink()
    return nonce


_NONCE = _take_nonce()  # at import: cocotb imports test modules before the simulation's time 0


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


def _candidate_result(dut, plan: DiffPlan, names: WrapperNames, k: int) -> dict:
    errors = _int(getattr(dut, names.err(k)).value)
    result: dict = {"mismatches": errors}
    if errors:
        first = _int(getattr(dut, names.first(k)).value)
        output, exp, got = _first_difference(
            plan, str(getattr(dut, names.exp(k)).value), str(getattr(dut, names.got(k)).value)
        )
        result.update(first_sample=first, cycle=max(0, first - 1 - plan.initial_samples) // plan.samples_per_cycle,
                      output=output, expected=exp, got=got)
    return result


def _report(nonce: str, payload: dict) -> None:
    """One write(2) of the whole line, led by a newline: a candidate's unfinished `$write` before it cannot
    glue text in front of the nonce, and nothing can land inside the line."""
    data = f"\n{nonce} {json.dumps(payload)}\n".encode()
    while data:
        data = data[os.write(1, data):]


@cocotb.test()
async def differential(dut) -> None:
    """Drive the plan's stimulus and report every candidate's mismatches against the reference."""
    if not _NONCE:
        raise RuntimeError("no verdict nonce: this test runs only under sim/differential/child.py")
    plan = DiffPlan.read(Path(os.environ["SIM_DIFF_PLAN"]))
    names = WrapperNames(plan.suffix)
    values, first_checked = build_stimulus(plan)
    stim = getattr(dut, names.stim)
    check_en = getattr(dut, names.check_en)
    reset_mask = 0 if plan.reset_lsb is None else 1 << plan.reset_lsb
    await Timer(DRIVE_OFFSET_NS, unit="ns")
    previous = values[0] & reset_mask if values else 0
    for cycle, value in enumerate(values):
        if cycle == first_checked:
            check_en.value = 1
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
    samples = _int(getattr(dut, names.samples).value)
    results = [_candidate_result(dut, plan, names, k) for k in range(plan.n_candidates)]
    _report(_NONCE, {"samples": samples, "candidates": results})
