"""Corpus preparation at the scale of real corpora: RTL-Coder_small repeated with fresh names to ~65,000 rows.

    python -m benches.corpus_prep                        # 49 copies (65,611 rows), then 40 self-check designs
    python -m benches.corpus_prep --copies 5 --self-check 0

Copy k renames every row's top module to `<name>_c<k>` in code and spec, so rows differ as text and the
pipeline cannot take a shortcut on equal strings. Two runs of the steps without simulation (`check=none`):

- `dedup=none`: every row goes through every step (extraction, parsing, pyslang compile check, decontamination
  against VerilogEval v2, degradation, CRUX extraction): the per-row cost;
- `dedup=near`: the default, where renamed copies are dropped as duplicates right after extraction.

Then the differential self-check (through `sim.core.Verifier.check_many`) on `--self-check` distinct designs:
its rate in designs per second. Renamed copies share one simulation (`verify.canonical_form`), so the
self-check of the whole 65k corpus costs what the distinct designs cost. Prints one table; peak memory is the
largest resident set (ru_maxrss) of this process or any worker process so far.
"""
from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from crux_program.data.corpus import rename_in_spec, rename_module
from crux_program.data.corpus_prep import PrepConfig, prepare
from crux_program.data.triplet import top_module

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared/corpora/rtl-coder-small/rtl_coder_small.jsonl"
VERILOG_EVAL = ROOT.parent / "shared/benchmarks/verilog-eval-v2/dataset_spec-to-rtl"
FIELDS = {"spec": "instruction", "reference": "output"}
NO_SIM = ("read", "extract", "dedup", "decontaminate", "compile", "split", "degrade", "crux")


def repeated(src: Path, out: Path, copies: int) -> int:
    """Write `copies` renamed copies of the corpus to `out`; returns the row count."""
    rows = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines() if line.strip()]
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for k in range(copies):
            for row in rows:
                code, spec = row.get("output", ""), row.get("instruction", "")
                try:
                    top = top_module(code)
                    code, spec = rename_module(code, top, f"{top}_c{k}"), rename_in_spec(spec, top, f"{top}_c{k}")
                except ValueError:
                    pass  # no module: stays as it is (and is dropped as no_module)
                f.write(json.dumps({"instruction": spec, "output": code}) + "\n")
                n += 1
    return n


def peak_mb() -> float:
    """The largest resident set of this process or of any finished worker process, in MB."""
    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024


def main(argv: list[str] | None = None) -> int:
    from sim.loaders import load_problems

    p = argparse.ArgumentParser(prog="python -m benches.corpus_prep", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--copies", type=int, default=49)
    p.add_argument("--self-check", type=int, default=40, help="distinct designs to self-check (0 = skip)")
    p.add_argument("--jobs", type=int, default=0)
    a = p.parse_args(argv)
    problems = load_problems(VERILOG_EVAL)
    print(f"{'run':<34}{'rows':>8}{'kept':>8}{'no-sim s':>10}{'rows/s':>9}{'peak MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "corpus.jsonl"
        rows = repeated(CORPUS, big, a.copies)
        for dedup in ("none", "near"):
            cfg = PrepConfig(path=str(big), fields=FIELDS, check="none", dedup=dedup,
                             levels={"easy": 1, "special": 1, "normal": 1})
            start = time.perf_counter()
            report = prepare(cfg, "verilog_eval", problems, Path(tmp) / f"cache_{dedup}").report
            wall = time.perf_counter() - start
            no_sim = sum(report.seconds.get(s, 0.0) for s in NO_SIM)
            print(f"{'check=none dedup=' + dedup:<34}{rows:>8}{report.kept:>8}{no_sim:>10.1f}"
                  f"{rows / no_sim:>9.0f}{peak_mb():>9.0f}   (wall {wall:.1f} s)")
            print("   seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items()))
        if a.self_check:
            from crux_program.data.corpus_read import field_names, read_json_lines, to_rows
            from crux_program.data.corpus_report import CorpusReport
            from crux_program.data.dedup import design_key
            from crux_program.data.verify import SelfCheckConfig, self_check

            report = CorpusReport(path=str(CORPUS))
            designs: dict[str, str] = {}
            for r in to_rows(read_json_lines(CORPUS, None, report), field_names(FIELDS), "c", None, report):
                designs.setdefault(design_key(r.code), r.code)
            codes = list(designs.values())[: a.self_check]
            start = time.perf_counter()
            verdicts = self_check(codes, SelfCheckConfig(mode="differential", jobs=a.jobs))
            wall = time.perf_counter() - start
            passed = sum(v.passed for v in verdicts)
            print(f"{'self-check (differential)':<34}{len(codes):>8}{passed:>8}{wall:>10.1f}"
                  f"{len(codes) / wall:>9.2f}{peak_mb():>9.0f}   designs/s; "
                  f"{len(designs)} distinct designs in RTL-Coder_small")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
