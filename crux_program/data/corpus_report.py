"""What preparing a corpus did: rows read, kept and dropped per reason, CRUX provenance, levels, timings.

Written as `corpus_report.json` into every run folder that trains on `data=corpus`, and printed as a table
in the log. Drop reasons:

- `bad_json` (a line that is not a JSON object; the first few are named by file and line),
- `missing_spec`, `missing_reference` (the mapped field is absent or empty: `data.fields.spec`, ...),
- `no_module` (no `module` declaration in the code), `bad_crux` (a CRUX field that cannot be read),
- `compile_error` (pyslang reports errors and Icarus agrees, or the self-check cannot compile it),
- `duplicate` (the same row, or the same design under other names or spacing: crux_program.data.dedup),
- `decontaminated` (overlaps a test problem: crux_program.data.decontaminate; by spec, code or body).

`grpo_excluded.self_check` counts rows kept for SFT but left out of GRPO's prompts: their reference cannot be
simulated against itself in differential mode (a timeout, a non-deterministic design), so no reward against
it would mean anything.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class CorpusReport:
    """Counts and timings of one corpus preparation (see the module docstring for the reasons)."""

    path: str
    key: str = ""
    rows_read: int = 0
    kept: int = 0
    train: int = 0
    val: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    decontaminated: dict[str, int] = field(default_factory=dict)   # by spec / code / body
    grpo_excluded: dict[str, int] = field(default_factory=dict)
    crux: dict[str, int] = field(default_factory=dict)             # field / teacher / extracted
    levels: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    test: str = ""                                                 # the benchmark it was decontaminated against
    test_problems: int = 0
    bad_lines: list[str] = field(default_factory=list)             # `file:line: why`, the first few
    teacher: dict[str, int] = field(default_factory=dict)          # outcomes, tokens sent / received
    reused: bool = False

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + n

    def rows_per_second(self, steps: tuple[str, ...]) -> float:
        """Rows read per second over the named steps."""
        total = sum(self.seconds.get(s, 0.0) for s in steps)
        return self.rows_read / total if total > 0 else float("inf")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> CorpusReport:
        return cls(**json.loads(text))

    def write(self, path: Path) -> None:
        path.write_text(self.to_json() + "\n", encoding="utf-8")

    def nothing_left_message(self) -> str:
        """The error of a corpus where no row survives: which reason removed what."""
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(self.dropped.items(), key=lambda kv: -kv[1]))
        hint = ""
        if self.dropped.get("missing_spec") or self.dropped.get("missing_reference"):
            hint = (" Most rows lack a mapped field: map your names with data.fields.spec=NAME and "
                    "data.fields.reference=NAME.")
        return (f"{self.path}: no row of {self.rows_read} survived preparation ({reasons or 'no rows'}).{hint} "
                "See corpus_report.json in the run folder.")

    def table(self) -> str:
        """A plain-text table for the log."""
        lines = [f"corpus {self.path}" + (" (prepared earlier, reused)" if self.reused else ""),
                 f"  rows read {self.rows_read:>8}   kept {self.kept} (train {self.train}, val {self.val})"]
        for reason, n in sorted(self.dropped.items(), key=lambda kv: -kv[1]):
            extra = ""
            if reason == "decontaminated" and self.decontaminated:
                extra = "  (" + ", ".join(f"by {k} {v}" for k, v in sorted(self.decontaminated.items())) + ")"
            lines.append(f"  dropped {reason:<16} {n:>8}{extra}")
        if self.test:
            lines.append(f"  decontaminated against {self.test} ({self.test_problems} problems)")
        for title, counts in (("GRPO excluded", self.grpo_excluded), ("CRUX from", self.crux),
                              ("levels", self.levels), ("teacher", self.teacher)):
            if counts:
                lines.append(f"  {title:<14} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        if self.seconds:
            lines.append("  seconds        " + ", ".join(f"{k} {v:.2f}" for k, v in self.seconds.items()))
        for bad in self.bad_lines[:5]:
            lines.append(f"  bad line       {bad}")
        return "\n".join(lines)
