"""CRUX distillation: a teacher LM writes the CRUX of (spec, Verilog) pairs that have none.

For each triplet without a CRUX:
1. the teacher runs `SpecToCrux`, with the reference code as an extra hint input;
2. the CRUX is kept only if its interface matches the code's real interface (pyslang, `check_interface`);
3. and only if the student side realises it: `CruxToVerilog` (student LM) writes code from spec + CRUX and
   that code passes the simulator against the reference (differential, or the corpus testbench);
4. otherwise the deterministic extractor's partial CRUX (interface, clocking, reset) is used, if allowed.
Every kept triplet records how its CRUX was obtained in `provenance` (`+crux:teacher` / `+crux:extracted`).
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import dspy
from dspy.utils.exceptions import AdapterParseError

from crux_program.crux import Crux
from crux_program.data.extract import extract_crux
from crux_program.data.triplet import Triplet
from crux_program.interface_check import check_interface
from crux_program.modules import default_adapter
from crux_program.signatures import CruxToVerilog, SpecToCrux
from sim.config import SimConfig
from sim.interface import VerilogParseError

FAIL_FAST_AFTER = 5  # the first this-many teacher calls all raising (not a parse error): a setup problem, stop

TeacherSpecToCrux = SpecToCrux.append(
    "code_hint", dspy.InputField(desc="reference Verilog implementing the spec: copy its interface exactly"), str)


@dataclass
class DistillConfig:
    """realise: require the student-side CruxToVerilog check; fallback: use the extracted partial CRUX when
    the teacher's is rejected (else the example is dropped); sim: how realisations are simulated."""

    realise: bool = True
    fallback: bool = True
    sim: SimConfig = field(default_factory=lambda: SimConfig(diff_cycles=200))


@dataclass
class DistillResult:
    """Triplets with a CRUX, and how each CRUX was decided (counts per outcome)."""

    kept: list[Triplet]
    outcomes: Counter

    def report(self) -> str:
        return f"kept {len(self.kept)}: " + ", ".join(f"{k}={v}" for k, v in sorted(self.outcomes.items()))


class CruxDistiller:
    """Teacher writes, filters judge. `teacher` and `student` are any dspy LMs (student defaults to teacher)."""

    def __init__(self, teacher: dspy.BaseLM, student: dspy.BaseLM | None = None,
                 config: DistillConfig | None = None) -> None:
        self.config = config or DistillConfig()
        self.write_crux = dspy.Predict(TeacherSpecToCrux)
        self.write_crux.lm = teacher
        self.realise = dspy.Predict(CruxToVerilog)
        self.realise.lm = student or teacher
        self.teacher_calls = 0
        self.teacher_answers = 0  # calls that came back with an answer, readable or not
        self.teacher_errors: list[str] = []  # calls that raised something other than a parse error
        self._lock = threading.Lock()

    def propose(self, t: Triplet) -> Crux | None:
        """The teacher's CRUX for one triplet, or None when its answer cannot be read or it failed (see `ask`)."""
        return self.ask(t)[0]

    def ask(self, t: Triplet) -> tuple[Crux | None, str | None]:
        """(the teacher's CRUX or None when its answer cannot be read, the error when the call itself failed).

        Raises when the teacher's first FAIL_FAST_AFTER finished calls all failed outright: a setup problem,
        not a corpus of unreadable answers. Safe to call from several threads at once."""
        with self._lock:
            self.teacher_calls += 1
        try:
            with dspy.context(adapter=default_adapter()):
                out = self.write_crux(spec=t.spec, code_hint=t.verilog)
            crux = Crux(interface=out.interface, core_functions=out.core_functions,
                        key_considerations=out.key_considerations)
        except AdapterParseError:  # an unreadable teacher answer is an outcome, not a crash
            crux = None
        except Exception as exc:  # noqa: BLE001 - the teacher could not answer at all (server down, bad key)
            error = f"{type(exc).__name__}: {exc}"
            with self._lock:
                self.teacher_errors.append(error)
                setup_problem = self.teacher_answers == 0 and len(self.teacher_errors) >= FAIL_FAST_AFTER
            if setup_problem:
                raise RuntimeError(
                    f"The teacher LM failed on its first {FAIL_FAST_AFTER} calls (first: {self.teacher_errors[0]}). "
                    "Check its model name, api_base and key, and that the server is up; nothing was written."
                ) from exc
            return None, error
        with self._lock:
            self.teacher_answers += 1
        return crux, None

    def realise_code(self, t: Triplet, crux: Crux) -> str:
        """The student's Verilog for spec + CRUX ("" when its answer cannot be read: the check then fails)."""
        try:
            with dspy.context(adapter=default_adapter()):
                return self.realise(spec=t.spec, crux=crux.to_markdown()).verilog or ""
        except Exception:  # noqa: BLE001 - unparseable student output simply fails the check
            return ""

    def _realisations(self, pending: list[tuple[Triplet, Crux]]) -> list[bool]:
        from sim.core import Verifier

        codes = [self.realise_code(t, crux) for t, crux in pending]
        with Verifier(self.config.sim) as verifier:
            results = verifier.check_many([(t.problem(), c) for (t, _), c in zip(pending, codes)])
        return [r.passed for r in results]

    def distill(self, triplets: Sequence[Triplet]) -> DistillResult:
        """CRUX for every triplet that lacks one; triplets that already have one pass through unchanged."""
        outcomes: Counter = Counter()
        decided: dict[int, tuple[Crux, str]] = {}
        pending: list[tuple[int, Crux]] = []
        for i, t in enumerate(triplets):
            if t.crux is not None:
                decided[i] = (t.crux, "")
                outcomes["had_crux"] += 1
                continue
            crux = self.propose(t)
            if crux is None:
                outcomes["teacher_unreadable"] += 1
            elif not check_interface(crux, t.verilog).ok:
                outcomes["rejected_interface"] += 1
            else:
                pending.append((i, crux))
        passed = (self._realisations([(triplets[i], c) for i, c in pending]) if self.config.realise and pending
                  else [True] * len(pending))
        for (i, crux), ok in zip(pending, passed):
            if ok:
                decided[i] = (crux, "+crux:teacher")
                outcomes["teacher"] += 1
            else:
                outcomes["rejected_realise"] += 1
        kept = []
        for i, t in enumerate(triplets):
            if i not in decided and self.config.fallback:
                try:
                    decided[i] = (extract_crux(t.verilog, t.top), "+crux:extracted")
                    outcomes["extracted"] += 1
                except (VerilogParseError, ValueError):
                    outcomes["unparseable_reference"] += 1
            if i in decided:
                crux, tag = decided[i]
                kept.append(t.model_copy(update={"crux": crux, "provenance": t.provenance + tag}))
            else:
                outcomes["dropped"] += 1
        return DistillResult(kept=kept, outcomes=outcomes)


def distill_file(in_path: str, out_path: str, teacher: dspy.BaseLM, student: dspy.BaseLM | None = None,
                 config: DistillConfig | None = None) -> DistillResult:
    """Read triplets (e.g. from `load_corpus`), distill the missing CRUXes, write the kept ones as JSONL."""
    from crux_program.data.triplet import read_jsonl, write_jsonl

    result = CruxDistiller(teacher, student, config).distill(read_jsonl(in_path))
    write_jsonl(out_path, result.kept)
    return result
