"""sim: the one verification core (testbench mode, differential mode, cache, sandbox, CLI) and, in
`sim.adapters`, the thin adapters that hand its verdicts to DSPy and TRL.

Heavy pieces (cocotb, the worker pool) load lazily; importing `sim` costs little.
"""
from sim.config import SimConfig
from sim.core import Verifier
from sim.extract import extract_code
from sim.problem import Problem
from sim.result import RewardParts, SimResult, Status

__all__ = ["Problem", "SimResult", "Status", "RewardParts", "SimConfig", "Verifier", "extract_code"]
