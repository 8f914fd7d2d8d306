"""Child process of one differential simulation: build with cocotb's runner, then run the cocotb test.

Run as `python .../sim/differential/child.py SIMULATOR BUILD_DIR PLAN.json SOURCE...` under
`sim.sandbox.run_sandboxed`, so a hanging or crashing design takes only this process group down. A fresh
runner object and an absolute build folder per call (runner objects keep state; the default build folder is
relative). It imports nothing from `sim` (whose package import would cost start-up time twice per run:
here and inside the simulator). The verdict is the JSON file the test writes; the exit code only says
whether the harness ran.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

WRAPPER_TOP = "diff_top"  # harness.WRAPPER_TOP, repeated to keep this script free of package imports
TEST_MODULE = "cocotb_test"  # this folder is put first on the simulator's PYTHONPATH


def main(argv: list[str]) -> int:
    """Build the sources with `diff_top` as the top and run the differential cocotb test once."""
    simulator, build_dir, plan = argv[0], Path(argv[1]).resolve(), Path(argv[2]).resolve()
    sources = [Path(s).resolve() for s in argv[3:]]
    from cocotb_tools.runner import get_runner  # imported here: only the child pays for it

    runner = get_runner(simulator)
    runner.build(
        sources=sources,
        hdl_toplevel=WRAPPER_TOP,
        build_dir=build_dir,
        timescale=("1ns", "1ps"),
        always=False,  # the parent compiled the group already (same command): the runner skips the build
    )
    here = str(Path(__file__).resolve().parent)
    runner.test(
        test_module=TEST_MODULE,
        hdl_toplevel=WRAPPER_TOP,
        build_dir=build_dir,
        test_dir=build_dir,
        extra_env={
            # cocotb 2 loads pytest for assertion rewriting; plugin autoload alone costs ~0.7 s per run.
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "COCOTB_REWRITE_ASSERTION_FILES": "",
            "SIM_DIFF_PLAN": str(plan),
            "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH", "")])),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
