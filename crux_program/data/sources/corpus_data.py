"""`data=corpus`: train and val from a user's JSON-lines corpus, test problems from any other data source.

    python run.py data=corpus data.path=corpus.jsonl 'data.fields={spec: instruction, reference: output}' \
        data.test=verilog_eval data.limit=5 compiler=sft

The corpus is prepared once (crux_program.data.corpus_prep: checked, deduplicated, decontaminated against
the chosen test benchmark, split by design, degraded, CRUX-annotated) and cached under the run folder's
`data/` (or `data.cache_dir`); `corpus_report.json` in the run folder says what each step kept and dropped.
The test problems come from `data.test` (verilog_eval, rtllm, synthetic, jsonl), each with its own options
under `data.tests.<name>`; `data.limit` / `data.task_ids` choose among them as for that source alone.
Decontamination always runs against all of the test source's problems, not only the limited ones, so
the prepared corpus does not depend on `data.limit`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from crux_program.data.corpus_prep import PrepConfig, TeacherSetup, prepare
from crux_program.data.curriculum import SyntheticConfig
from crux_program.data.decontaminate import DecontamConfig
from crux_program.data.distill_pool import PoolConfig
from crux_program.data.sources.folder import BenchmarkData
from crux_program.data.sources.jsonl import JsonlData
from crux_program.data.sources.splits import DataSource, DataSplits, select
from crux_program.data.sources.synthetic import SyntheticData
from crux_program.errors import UserError

TEST_SOURCES = ("verilog_eval", "rtllm", "synthetic", "jsonl")
log = logging.getLogger(__name__)


def test_source(name: str, options: dict) -> DataSource:
    """The data source that provides the test problems (all of them: limits are applied by the caller)."""
    opts = {k: v for k, v in dict(options or {}).items() if k not in ("limit", "task_ids")}  # data.limit rules
    if name in ("verilog_eval", "rtllm"):
        return BenchmarkData(name=name, **opts)  # every option of that source, e.g. data.tests.rtllm.path=DIR
    if name == "jsonl":
        if not opts.get("path"):
            raise UserError("data.test=jsonl needs data.tests.jsonl.path=/path/to/problems.jsonl")
        return JsonlData(name="jsonl", **opts)
    if name == "synthetic":
        return SyntheticData(synthetic=SyntheticConfig(**dict(opts.get("synthetic") or {})),
                             test_split=str(opts.get("test_split", "test_seen")))
    raise UserError(f"data.test={name!r}: choose one of {TEST_SOURCES}")


@dataclass
class CorpusData:
    """A `DataSource` (crux_program.data.sources.splits) over a user corpus; conf/data/corpus.yaml lists
    and explains every option. The report and (unless `cache_dir` is set) the cache go into the run folder:
    the one given to `attach_run_dir`, else the running Hydra job's."""

    path: str
    name: str = "corpus"
    fields: dict[str, str] = field(default_factory=dict)
    test: str = "verilog_eval"
    tests: dict[str, dict] = field(default_factory=dict)
    limit: int | None = None
    task_ids: list[str] | None = None
    corpus_limit: int | None = None
    rename_top: str | None = None
    dedup: str = "near"
    decontaminate: bool = True
    val_fraction: float = 0.05
    levels: dict[str, float] | None = None
    check: str = "differential"
    diff_cycles: int = 200
    jobs: int = 0
    seed: int = 0
    teacher: dict | None = None
    distill: dict = field(default_factory=dict)
    decontam: dict = field(default_factory=dict)
    cache_dir: str | None = None
    progress: bool = True
    run_dir: str | None = None

    def __post_init__(self) -> None:
        if self.test not in TEST_SOURCES:
            raise UserError(f"data.test={self.test!r}: choose one of {TEST_SOURCES}")

    def attach_run_dir(self, run_dir: str | Path) -> None:
        """Where the report goes, and (unless data.cache_dir is set) the cache: `<run_dir>/data`."""
        self.run_dir = str(run_dir)

    def _run_folder(self) -> Path | None:
        """The attached run folder, else the running Hydra job's (run.py), else None (no report file)."""
        if self.run_dir:
            return Path(self.run_dir)
        from hydra.core.hydra_config import HydraConfig  # read only: the job's folder, as run.py sees it

        return Path(HydraConfig.get().runtime.output_dir) if HydraConfig.initialized() else None

    def prep_config(self) -> PrepConfig:
        return PrepConfig(path=str(Path(self.path).expanduser()), fields=dict(self.fields or {}),
                          limit=self.corpus_limit, rename_top=self.rename_top, dedup=self.dedup,
                          decontaminate=self.decontaminate, val_fraction=self.val_fraction,
                          levels=dict(self.levels) if self.levels else None, check=self.check,
                          diff_cycles=self.diff_cycles, jobs=self.jobs, seed=self.seed,
                          decontam=DecontamConfig(**dict(self.decontam or {})), progress=self.progress)

    def teacher_setup(self) -> TeacherSetup | None:
        """The teacher LM from `data.teacher` (the keys of any lm= config), or None (extracted CRUXes)."""
        if not self.teacher:
            return None
        from crux_program.lm import build_lm
        from crux_program.lm.config import LMConfig

        values = {k: v for k, v in dict(self.teacher).items() if not str(k).startswith("_")}
        config = LMConfig.from_mapping(values)  # fails here, with the bad key, not after an hour of prep
        identity = f"{config.kind}:{config.model}@{config.api_base or ''}"
        pool = PoolConfig(**{**dict(self.distill or {}), "progress": self.progress})
        return TeacherSetup(make=lambda: build_lm(config), identity=identity, pool=pool)

    def load(self) -> DataSplits:
        """DataSplits(train, val: examples from the corpus; test: problems from data.test)."""
        every = test_source(self.test, (self.tests or {}).get(self.test, {})).load().test
        tests = select(every, list(self.task_ids or []), self.limit)
        run_folder = self._run_folder()
        root = (Path(self.cache_dir).expanduser() if self.cache_dir
                else (run_folder or Path("outputs")) / "data")
        prepared = prepare(self.prep_config(), self.test, every, root, self.teacher_setup())
        report = prepared.report
        if run_folder is not None:
            run_folder.mkdir(parents=True, exist_ok=True)
            report.write(run_folder / "corpus_report.json")
        log.info("prepared corpus:\n%s", report.table())  # the console and run.log
        if not prepared.train and not prepared.val:
            raise UserError(report.nothing_left_message())
        return DataSplits(train=[t.to_example() for t in prepared.train],
                          val=[t.to_example() for t in prepared.val], test=tests)
