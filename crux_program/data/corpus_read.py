"""Reading a user corpus (JSON lines) into rows: fields mapped, code extracted, top module found, renamed.

`data.fields` maps our names to the corpus's (as `data=jsonl` does): `spec` and `reference` are required,
`task_id`, `crux` (a JSON object or CRUX markdown) and `testbench` are optional. A line that is not a JSON
object is named by file and line (the first few in the log and the report) and skipped; the rest is used.
A field that no row has is a mapping error, not a corpus defect: it stops the run naming the config key.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from crux_program.crux import Crux
from crux_program.data.corpus import _read_crux, rename_in_spec, rename_module
from crux_program.data.corpus_report import CorpusReport
from crux_program.data.triplet import top_module
from crux_program.errors import UserError

FIELDS = ("task_id", "spec", "reference", "crux", "testbench")
REQUIRED = ("spec", "reference")
BAD_LINES_SHOWN = 5
log = logging.getLogger(__name__)


@dataclass
class CorpusRow:
    """One usable row on its way through preparation."""

    line: int
    task_id: str
    spec: str
    code: str
    top: str
    crux: Crux | None = None
    testbench: str | None = None
    design: str = ""          # crux_program.data.dedup.design_key(code)
    level: str = "easy"
    split: str = "train"
    crux_from: str = ""       # field / teacher / extracted


def field_names(fields: dict[str, str]) -> dict[str, str]:
    """Our name -> the corpus's name for every field (unmapped or null ones keep our name); unknown keys
    refused."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise UserError(f"data.fields: unknown key(s) {unknown}; map any of {list(FIELDS)}, e.g. "
                         "data.fields='{spec: instruction, reference: output}'")
    return {k: fields.get(k) or k for k in FIELDS}


def read_json_lines(path: Path, limit: int | None, report: CorpusReport) -> list[tuple[int, dict]]:
    """(line number, object) for every JSON-object line; the others counted as bad_json and named."""
    rows: list[tuple[int, dict]] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            if limit is not None and report.rows_read >= limit:
                break
            report.rows_read += 1
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                _bad(report, f"{path}:{n}: not JSON ({exc.msg} at column {exc.colno})")
                continue
            if not isinstance(row, dict):
                _bad(report, f"{path}:{n}: a JSON {type(row).__name__}, not an object")
                continue
            rows.append((n, row))
    return rows


def _bad(report: CorpusReport, where: str) -> None:
    report.drop("bad_json")
    if len(report.bad_lines) < BAD_LINES_SHOWN:
        report.bad_lines.append(where)
        log.warning("%s; the line is skipped", where)


def check_mapping(rows: list[tuple[int, dict]], names: dict[str, str], path: Path) -> None:
    """Refuse a required field that no row has, naming the config key that maps it."""
    if not rows:
        return
    for ours in REQUIRED:
        theirs = names[ours]
        if not any(theirs in row for _, row in rows):
            have = sorted({k for _, row in rows[:50] for k in row})
            raise UserError(f"{path}: no row has the field {theirs!r} for the {ours}; the rows have {have}. "
                             f"Map it with data.fields.{ours}=NAME (e.g. data.fields='{{spec: instruction, "
                             f"reference: output}}').")


def _text(row: dict, name: str) -> str | None:
    value = row.get(name)
    return value if isinstance(value, str) and value.strip() else None


def to_rows(raw: list[tuple[int, dict]], names: dict[str, str], stem: str, rename_top: str | None,
            report: CorpusReport) -> list[CorpusRow]:
    """Rows with code extracted from fences and chatter, the top module found, and optionally renamed."""
    from sim.extract import extract_code

    out: list[CorpusRow] = []
    ids: set[str] = set()
    for n, row in raw:
        spec, answer = _text(row, names["spec"]), _text(row, names["reference"])
        if spec is None or answer is None:
            report.drop("missing_spec" if spec is None else "missing_reference")
            continue
        code = extract_code(answer) or ""
        try:
            top = top_module(code)
        except ValueError:
            report.drop("no_module")
            continue
        crux = None
        if row.get(names["crux"]) is not None:
            try:
                crux = _read_crux(row[names["crux"]])
            except Exception:  # noqa: BLE001 - any unreadable CRUX is one drop reason
                report.drop("bad_crux")
                continue
        task_id = str(row.get(names["task_id"]) or f"{stem}/{n}")
        if task_id in ids:  # ids must stay unique downstream (samples, verdicts); a reused id gets its line
            task_id = f"{task_id}#{n}"
        ids.add(task_id)
        testbench = _text(row, names["testbench"])
        if rename_top and rename_top != top:
            code, spec = rename_module(code, top, rename_top), rename_in_spec(spec, top, rename_top)
            testbench = rename_module(testbench, top, rename_top) if testbench else None
            if crux is not None:
                crux.interface.module_name = rename_top
            top = rename_top
        out.append(CorpusRow(line=n, task_id=task_id, spec=spec, code=code, top=top, crux=crux,
                             testbench=testbench))
    return out
