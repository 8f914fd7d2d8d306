"""Child process of one differential simulation: run the cocotb test on the parent's build.

Run as `python .../sim/differential/child.py SIMULATOR TOP BUILD_DIR PLAN.json` under
`sim.sandbox.run_sandboxed`, so a hanging or crashing design takes only this process group down. The parent
has already compiled the group (`iverilog -u`, every file its own compilation unit), so this script calls
only the runner's test step: it never rebuilds, and it writes nothing into the build folder (which may be
mounted read-only); cocotb's results.xml goes into the working folder. A fresh runner object and absolute
paths per call (runner objects keep state). It imports nothing from `sim` (whose package import would cost
start-up time twice per run: here and inside the simulator). The verdict is the nonce-tagged line the test
prints (cocotb_test.py); the exit code only says whether the harness ran.

The nonce comes from the parent in $SIM_DIFF_NONCE. It must not reach the simulator's environment, where the
candidates run (`/proc/self/environ` keeps a process's initial environment for good), so this script takes
it out of its own environment, makes itself non-dumpable (its own `/proc/PID/environ` is then unreadable to
the simulator, a process of the same user) and hands the nonce over in a file of the working folder that
the cocotb test reads and deletes while it is imported, before any Verilog runs.
"""
from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

TEST_MODULE = "cocotb_test"  # this folder is first on sys.path, which the runner hands the simulator
NONCE_ENV = "SIM_DIFF_NONCE"  # set by the parent (group.NONCE_ENV)
NONCE_FILE_ENV = "SIM_DIFF_NONCE_FILE"  # cocotb_test.NONCE_FILE_ENV
PR_SET_DUMPABLE = 4


def _hand_over_nonce() -> Path:
    """Move the nonce from this process's environment into a fresh file only the cocotb test will read."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the environment stays readable, the screen still refuses files
        pass
    nonce = os.environ.pop(NONCE_ENV)
    path = Path.cwd() / ".verdict_nonce"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(nonce)
    return path


def main(argv: list[str]) -> int:
    """Run the differential cocotb test once on the compiled group whose top is `TOP`."""
    simulator, top, build_dir, plan = argv[0], argv[1], Path(argv[2]).resolve(), Path(argv[3]).resolve()
    nonce_file = _hand_over_nonce()  # before the runner copies this environment for the simulator
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
            NONCE_FILE_ENV: str(nonce_file),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
