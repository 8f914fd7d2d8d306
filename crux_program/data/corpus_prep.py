"""Preparing a user corpus for training, once, cached: rows -> checked, deduplicated, decontaminated,
split by design, degraded and CRUX-annotated Triplets, with a report of what each step removed.

Steps (each timed in the report): `read` (JSON lines, fields mapped), `extract` (code out of fences and
chatter, top module, optional rename), `dedup` (exact and near duplicates: crux_program.data.dedup),
`decontaminate` (overlap with the test benchmark: crux_program.data.decontaminate), `compile` (pyslang's
full compilation; a row it rejects is compiled by Icarus, the judge's compiler, and dropped only when Icarus
agrees: pyslang is the stricter of the two), `self_check` (differential self-simulation through
`sim.core.Verifier`; a compile failure there drops the row, any other failure keeps it for SFT and leaves it
out of GRPO's prompts), `split` (val by design key), `degrade` (RealSpec levels), `crux` (a corpus field,
else an accepted teacher CRUX, else the deterministic extracted one) and, with a teacher, `teacher`.

The result is cached in `<cache_root>/corpus-<key>/` (train.jsonl, val.jsonl, report.json written last),
keyed by the corpus file's bytes, every setting that changes the content, the test problems it was
decontaminated against, the teacher and this code's PREP_VERSION: any change gives a new key, so a cached
folder is never served for other inputs.
"""
from __future__ import annotations

import os
import random
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from crux_program.data.corpus_read import CorpusRow, check_mapping, field_names, read_json_lines, to_rows
from crux_program.data.corpus_report import CorpusReport
from crux_program.data.decontaminate import DecontamConfig, Decontaminator
from crux_program.data.dedup import Deduplicator, design_key, is_val
from crux_program.data.degrade import degrade_spec, detect_level
from crux_program.data.distill_pool import PoolConfig
from crux_program.data.triplet import LEVELS, Triplet, read_jsonl, write_jsonl
from crux_program.data.verify import CHECK_MODES, SelfCheckConfig, self_check
from crux_program.errors import UserError, UserPathError
from sim.compile_check import compile_check
from sim.fingerprint import digest_json, digest_text, file_digest
from sim.problem import Problem

PREP_VERSION = 1  # bump when a step changes what it keeps: every cached preparation is then rebuilt
PARALLEL_FROM = 2000  # rows; below this a process pool costs more to start than it saves
_NOT_CONTENT = {"jobs", "progress"}  # how fast, not what


@dataclass(frozen=True)
class PrepConfig:
    """What preparation does (conf/data/corpus.yaml documents each option).

    path: the corpus (JSON lines). fields: our name -> the corpus's (spec, reference, task_id, crux,
    testbench). limit: the first N rows only. rename_top: rename every top module (e.g. TopModule).
    dedup: near | exact | none. decontaminate: drop rows overlapping the test problems. val_fraction: share of
    designs held out for val. levels: RealSpec level weights ({easy: 1, special: 1, normal: 1}) drawn per row
    whose spec lists its ports; None keeps every spec as written (its level recorded). check: differential |
    compile | none (crux_program.data.verify). seed: level draws and the val cut.
    """

    path: str
    fields: dict[str, str] = field(default_factory=dict)
    limit: int | None = None
    rename_top: str | None = None
    dedup: str = "near"
    decontaminate: bool = True
    val_fraction: float = 0.05
    levels: dict[str, float] | None = None
    check: str = "differential"
    diff_cycles: int = 200
    timeout_s: float = 30.0
    jobs: int = 0
    seed: int = 0
    decontam: DecontamConfig = field(default_factory=DecontamConfig)
    progress: bool = False

    def __post_init__(self) -> None:
        if self.check not in CHECK_MODES:
            raise UserError(f"data.check={self.check!r}: choose one of {CHECK_MODES}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise UserError(f"data.val_fraction={self.val_fraction}: use a share in [0, 1)")
        if self.levels is not None:
            bad = sorted(set(self.levels) - set(LEVELS))
            if bad or not any(w > 0 for w in self.levels.values()):
                raise UserError(f"data.levels={self.levels}: give positive weights for some of {LEVELS}, "
                                 "or null to keep each spec as written")

    def content(self) -> dict:
        """The settings that change what is kept (equivalent field mappings written either way are equal)."""
        values = {k: v for k, v in asdict(self).items() if k not in _NOT_CONTENT}
        values["fields"] = field_names(self.fields)
        return values


@dataclass(frozen=True)
class TeacherSetup:
    """A teacher for the rows without a CRUX field: `make()` builds its LM; `identity` (model, endpoint) keys
    the cache and its answers file; `pool` sets the requests in flight and the realisation filter."""

    make: Callable[[], object]
    identity: str
    pool: PoolConfig = field(default_factory=PoolConfig)


@dataclass
class PreparedCorpus:
    """The kept rows, split, and the report of how they were chosen."""

    train: list[Triplet]
    val: list[Triplet]
    report: CorpusReport
    folder: Path


def test_fingerprint(problems: Sequence[Problem]) -> str:
    """A hash of the test problems a preparation was decontaminated against."""
    return digest_text("\x00".join(f"{p.task_id}\x01{p.spec}\x01{p.reference}" for p in problems))


def prep_key(cfg: PrepConfig, test_name: str, test_problems: Sequence[Problem], teacher: TeacherSetup | None) -> str:
    """The cache key: file bytes, content settings, test problems, teacher, code version."""
    parts = {"version": PREP_VERSION, "file": file_digest(cfg.path), "settings": cfg.content(),
             "test": test_name if cfg.decontaminate else "", "problems":
             test_fingerprint(test_problems) if cfg.decontaminate else "",
             "teacher": None if teacher is None else [teacher.identity, teacher.pool.realise]}
    return digest_json(parts)


def prepare(cfg: PrepConfig, test_name: str, test_problems: Sequence[Problem], cache_root: str | Path,
            teacher: TeacherSetup | None = None) -> PreparedCorpus:
    """The prepared corpus: read from the cache when this exact preparation exists, else built and cached."""
    path = Path(cfg.path).expanduser()
    if not path.is_file():
        raise UserPathError(f"corpus file {path} not found: pass data.path=/path/to/corpus.jsonl")
    key = prep_key(cfg, test_name, test_problems, teacher)
    folder = Path(cache_root) / f"corpus-{key[:16]}"
    done = folder / "report.json"
    if done.exists():
        report = CorpusReport.from_json(done.read_text(encoding="utf-8"))
        if report.key == key:
            report.reused = True
            return PreparedCorpus(read_jsonl(folder / "train.jsonl"), read_jsonl(folder / "val.jsonl"), report,
                                  folder)
    prepared = _build(cfg, path, key, test_name, test_problems, Path(cache_root), teacher)
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    write_jsonl(tmp / "train.jsonl", prepared.train)
    write_jsonl(tmp / "val.jsonl", prepared.val)
    prepared.report.write(tmp / "report.json")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    prepared.folder = folder
    return prepared


class _Timer:
    def __init__(self, report: CorpusReport) -> None:
        self.report = report

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.report.seconds[name] = round(self.report.seconds.get(name, 0.0) + time.perf_counter() - start, 3)


def compile_errors(code: str) -> bool:
    """Whether pyslang's full compilation (parse, elaborate, type-check) reports an error."""
    import pyslang

    compilation = pyslang.ast.Compilation()
    compilation.addSyntaxTree(pyslang.syntax.SyntaxTree.fromText(code))
    return any(d.isError() for d in compilation.getAllDiagnostics())


def _extract_crux(item: tuple[str, str]):
    """The deterministic CRUX of (code, top), or None when pyslang cannot read it (run in pool workers)."""
    from crux_program.data.extract import extract_crux
    from sim.interface import VerilogParseError

    try:
        return extract_crux(*item)
    except (VerilogParseError, ValueError):
        return None


def _map(fn: Callable, items: list, jobs: int) -> list:
    """`[fn(x) for x in items]`, over `jobs` processes (0 = all cores) when there are enough items."""
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(items) < PARALLEL_FROM:
        return [fn(x) for x in items]
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(fn, items, chunksize=max(64, len(items) // (workers * 8)))


def _build(cfg: PrepConfig, path: Path, key: str, test_name: str, test_problems: Sequence[Problem],
           cache_root: Path, teacher: TeacherSetup | None) -> PreparedCorpus:
    report = CorpusReport(path=str(path), key=key, test=test_name if cfg.decontaminate else "",
                          test_problems=len(test_problems) if cfg.decontaminate else 0)
    timer = _Timer(report)
    with timer.step("read"):
        raw = read_json_lines(path, cfg.limit, report)
        names = field_names(cfg.fields)
        check_mapping(raw, names, path)
    with timer.step("extract"):
        rows = to_rows(raw, names, path.stem, cfg.rename_top, report)
    with timer.step("dedup"):
        dedup = Deduplicator(cfg.dedup)
        for r in rows:
            r.design = design_key(r.code)
        rows = _keep(rows, [not dedup.duplicate(r.spec, r.code, r.design) for r in rows], report, "duplicate")
    if cfg.decontaminate and test_problems:
        with timer.step("decontaminate"):
            found = Decontaminator(test_problems, cfg.decontam).scan([r.spec for r in rows], [r.code for r in rows])
            for o in found:
                if o is not None and o.dropped:
                    report.decontaminated[o.reason] = report.decontaminated.get(o.reason, 0) + 1
            rows = _keep(rows, [o is None or not o.dropped for o in found], report, "decontaminated")
    with timer.step("compile"):
        icarus: dict[str, bool] = {}  # per design: a renamed copy compiles as its original does

        def compiles(r: CorpusRow, slang_error: bool) -> bool:
            if not slang_error:
                return True
            if r.design not in icarus:
                icarus[r.design] = compile_check(r.code).ok
            return icarus[r.design]

        errors = _map(compile_errors, [r.code for r in rows], cfg.jobs)
        rows = _keep(rows, [compiles(r, e) for r, e in zip(rows, errors)], report, "compile_error")
    checks: dict[str, str | None] = {}
    with timer.step("self_check"):
        sc = SelfCheckConfig(mode=cfg.check, jobs=cfg.jobs, diff_cycles=cfg.diff_cycles, timeout_s=cfg.timeout_s,
                             cache_dir=str(cache_root / "selfcheck"))  # an interrupted preparation resumes here
        verdicts = self_check([r.code for r in rows], sc, progress=cfg.progress)
        compiles = [v.passed or v.status not in ("compile_error", "syntax_error", "no_code") for v in verdicts]
        for r, v in zip(rows, verdicts):
            checks[r.task_id] = v.status if cfg.check == "differential" else None
        rows = _keep(rows, compiles, report, "compile_error")
        failed = sum(1 for r in rows if checks[r.task_id] not in (None, "pass"))
        if failed:
            report.grpo_excluded["self_check"] = failed
    with timer.step("split"):
        for r in rows:
            r.split = "val" if is_val(r.design, cfg.val_fraction, cfg.seed) else "train"
    with timer.step("degrade"):
        for r in rows:
            _level(r, cfg)
    rows = _crux(rows, cfg, cache_root, teacher, report, timer, cfg.jobs)
    triplets = [Triplet(task_id=r.task_id, spec=r.spec, verilog=r.code, crux=r.crux, level=r.level, split=r.split,
                        provenance=f"corpus:{path}#{r.line}+crux:{r.crux_from}", testbench=r.testbench,
                        self_check=checks[r.task_id]) for r in rows]
    train = [t for t in triplets if t.split == "train"]
    val = [t for t in triplets if t.split == "val"]
    report.kept, report.train, report.val = len(triplets), len(train), len(val)
    for r in rows:
        report.levels[r.level] = report.levels.get(r.level, 0) + 1
        report.crux[r.crux_from] = report.crux.get(r.crux_from, 0) + 1
    return PreparedCorpus(train, val, report, cache_root)


def _keep(rows: list[CorpusRow], keep: list[bool], report: CorpusReport, reason: str) -> list[CorpusRow]:
    dropped = keep.count(False)
    if dropped:
        report.drop(reason, dropped)
    return [r for r, k in zip(rows, keep) if k]


def _level(r: CorpusRow, cfg: PrepConfig) -> None:
    """The row's RealSpec level: drawn by weight (per row, seeded by its id) when its spec lists ports."""
    r.level = detect_level(r.spec)
    if cfg.levels is None or r.level != "easy":
        return
    rng = random.Random(f"{cfg.seed}:{r.task_id}")
    levels = [lv for lv in LEVELS if cfg.levels.get(lv, 0) > 0]
    r.level = rng.choices(levels, weights=[cfg.levels[lv] for lv in levels])[0]
    r.spec = degrade_spec(r.spec, r.level, rng)


def _crux(rows: list[CorpusRow], cfg: PrepConfig, cache_root: Path, teacher: TeacherSetup | None,
          report: CorpusReport, timer: _Timer, jobs: int) -> list[CorpusRow]:
    """CRUX per row: the corpus field, else the teacher's (accepted by the filters), else the extracted one."""
    for r in rows:
        if r.crux is not None:
            r.crux_from = "field"
    ask = [r for r in rows if r.crux is None]
    if teacher is not None and ask:
        from crux_program.data.distill_pool import TeacherPool

        with timer.step("teacher"):
            answers = cache_root / f"teacher-{digest_text(teacher.identity, length=12)}.jsonl"
            pool = TeacherPool(teacher.make(), None, answers, teacher.pool)
            result = pool.run([Triplet(task_id=r.task_id, spec=r.spec, verilog=r.code, testbench=r.testbench)
                               for r in ask])
        for i, crux in result.cruxes.items():
            ask[i].crux, ask[i].crux_from = crux, "teacher"
        report.teacher = {**dict(result.outcomes), "asked": result.asked, "reused": result.reused,
                          "tokens_sent": result.prompt_tokens, "tokens_received": result.completion_tokens}
    with timer.step("crux"):
        rest = [r for r in rows if r.crux is None]
        for r, crux in zip(rest, _map(_extract_crux, [(r.code, r.top) for r in rest], jobs)):
            r.crux, r.crux_from = crux, "extracted"
    return _keep(rows, [r.crux is not None for r in rows], report, "no_crux")
