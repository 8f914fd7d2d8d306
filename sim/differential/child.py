"""Child process of one differential simulation: run the cocotb test on the parent's build.

Run as `python .../sim/differential/child.py SIMULATOR TOP BUILD_DIR PLAN.json` under
`sim.sandbox.run_sandboxed`, so a hanging or crashing design takes only this process group down. The parent
has already compiled the group (`iverilog -u`, every file its own compilation unit), so this script calls
only the runner's test step: it never rebuilds, and it writes nothing into the build folder (which may be
mounted read-only); cocotb's results.xml goes into the working folder. A fresh runner object and absolute
paths per call (runner objects keep state). It imports nothing from `sim` (whose package import would cost
start-up time twice per run: here and inside the simulator). The verdict is the nonce-tagged line the test
prints (cocotb_test.py); the exit code only says whether the harness ran.
"""
from __future__ import annotations

import sys
from pathlib import Path

TEST_MODULE = "cocotb_test"  # this folder is first on sys.path, which the runner hands the simulator


def main(argv: list[str]) -> int:
    """Run the differential cocotb test once on the compiled group whose top is `TOP`."""
    simulator, top, build_dir, plan = argv[0], argv[1], Path(argv[2]).resolve(), Path(argv[3]).resolve()
    from cocotb_tools.runner import get_runner  # imported here: only the child pays for it

    runner = get_runner(simulator)
    runner.test(
        test_module=TEST_MODULE,
        hdl_toplevel=top,
        hdl_toplevel_lang="verilog",  # said outright: without a build() call the runner cannot infer it
        build_dir=build_dir,
        test_dir=Path.cwd(),
        extra_env={
            # cocotb 2 loads pytest for assertion rewriting; plugin autoload alone costs ~0.7 s per run.
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "COCOTB_REWRITE_ASSERTION_FILES": "",
            "SIM_DIFF_PLAN": str(plan),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
