"""The one verdict type every judge of Verilog in this project returns."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import Enum


class Status(str, Enum):
    """Why a candidate passed or failed, ordered roughly by how far it got."""

    PASS = "pass"
    NO_CODE = "no_code"  # nothing that looks like a Verilog module could be extracted
    SYNTAX_ERROR = "syntax_error"  # the parser rejected it (pyslang gate or simulator parser)
    COMPILE_ERROR = "compile_error"  # parsed, but did not elaborate/bind (missing module, bad port...)
    MISMATCH = "mismatch"  # simulated, outputs differ from the reference
    TIMEOUT = "timeout"  # wall clock or simulated-time limit reached
    RUNTIME_ERROR = "runtime_error"  # simulator crashed, cap exceeded, harness failure


@dataclass(frozen=True)
class RewardParts:
    """Reward components in [0, 1] that the compilers weight.

    format: code could be extracted and declares the expected top module.
    compile: it parsed and elaborated (and bound to the testbench / reference ports).
    functional: 1.0 on pass, else the fraction of matching output samples (0 when unknown).
    """

    format: float = 0.0
    compile: float = 0.0
    functional: float = 0.0


# The component names, in field order: TRL reward function names, schedule weights, report columns and log keys
# all come from here, so a component is named once.
REWARD_COMPONENTS: tuple[str, ...] = tuple(f.name for f in fields(RewardParts))


@dataclass(frozen=True)
class SimResult:
    """Verdict for one candidate on one problem."""

    task_id: str
    status: Status
    mismatches: int = 0
    samples: int = 0
    log_tail: str = ""
    seconds: float = 0.0
    rewards: RewardParts = field(default_factory=RewardParts)
    feedback: str = ""  # human-readable first error / first mismatch, for GEPA and repair loops
    simulator: str = ""  # the Icarus build that judged it (`iverilog -V`'s first line), set by the Verifier

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS

    def detail(self, limit: int = 600) -> str:
        """The simulator's own words on this verdict: the first error or mismatch (`feedback`), else the end of
        its log (at most `limit` characters); "" when it said nothing. What repair loops and GEPA show a model."""
        return self.feedback or self.log_tail.strip()[-limit:]

    def verdict_row(self) -> dict:
        """The line written to VERDICTS.jsonl (the CLI's public format)."""
        from sim.cache import simulator_version  # here: sim.cache imports this module
        return {
            "task_id": self.task_id,
            "passed": self.passed,
            "status": self.status.value,
            "mismatches": self.mismatches,
            "samples": self.samples,
            "seconds": round(self.seconds, 4),
            # which Icarus judged it: verdicts differ between releases
            "simulator": self.simulator or simulator_version(),
        }

    def to_dict(self) -> dict:
        d = asdict(self)
        d["status"] = self.status.value
        d["passed"] = self.passed
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "SimResult":
        rewards = RewardParts(**d.get("rewards", {}))
        return cls(
            task_id=d["task_id"],
            status=Status(d["status"]),
            mismatches=int(d.get("mismatches", 0)),
            samples=int(d.get("samples", 0)),
            log_tail=d.get("log_tail", ""),
            seconds=float(d.get("seconds", 0.0)),
            rewards=rewards,
            feedback=d.get("feedback", ""),
            simulator=str(d.get("simulator", "")),
        )
