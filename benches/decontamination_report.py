"""`python -m benches.decontamination_report CORPUS --test verilog_eval`: what decontamination drops
and keeps on a corpus, beside a naive 13-token overlap, for a reader to judge the method.

    python -m benches.decontamination_report ../shared/corpora/rtl-coder-small/rtl_coder_small.jsonl \
        --fields spec=instruction,reference=output --test verilog_eval --top 8

The naive baseline tokenises spec and code into words and punctuation and flags a row sharing any 13-token
run with any test problem's spec or reference: what port lists and `module`/`endmodule` lines share. The
report prints both counts, every row the method drops (test problem, reason, a shared n-gram), the rows
with the most naive overlap that it keeps (with the run they share), and the kept rows closest to the code
threshold.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from crux_program.data.corpus_read import field_names, read_json_lines, to_rows
from crux_program.data.corpus_report import CorpusReport
from crux_program.data.decontaminate import DecontamConfig, Decontaminator

_NAIVE = re.compile(r"\w+|[^\w\s]")
BENCHMARKS = {"verilog_eval": "verilog-eval-v2/dataset_spec-to-rtl", "rtllm": "rtllm-v2-sample"}


def naive_overlaps(problems, specs: list[str], codes: list[str], n: int = 13) -> list[tuple[int, str, str]]:
    """Per row: (how many test n-grams it shares, one test problem, one shared run), the naive way."""
    index: dict[tuple, str] = {}
    for p in problems:
        for text in (p.spec, p.reference):
            toks = _NAIVE.findall(text)
            for i in range(len(toks) - n + 1):
                index.setdefault(tuple(toks[i:i + n]), p.task_id)
    out = []
    for spec, code in zip(specs, codes):
        shared = []
        for text in (spec, code):
            toks = _NAIVE.findall(text)
            shared += [tuple(toks[i:i + n]) for i in range(len(toks) - n + 1) if tuple(toks[i:i + n]) in index]
        out.append((len(shared), index[shared[0]] if shared else "", " ".join(shared[0]) if shared else ""))
    return out


def main(argv: list[str] | None = None) -> int:
    from sim.loaders import load_problems

    p = argparse.ArgumentParser(prog="python -m benches.decontamination_report", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus")
    p.add_argument("--fields", default="", help="our=theirs pairs, e.g. spec=instruction,reference=output")
    p.add_argument("--test", default="verilog_eval", help="verilog_eval, rtllm, or a benchmark folder")
    p.add_argument("--benchmarks", default=str(Path(__file__).resolve().parents[1].parent / "shared/benchmarks"))
    p.add_argument("--top", type=int, default=8)
    a = p.parse_args(argv)
    folder = Path(a.benchmarks) / BENCHMARKS[a.test] if a.test in BENCHMARKS else Path(a.test)
    problems = load_problems(folder)
    fields = dict(pair.split("=", 1) for pair in a.fields.split(",") if pair)
    report = CorpusReport(path=a.corpus)
    raw = read_json_lines(Path(a.corpus), None, report)
    rows = to_rows(raw, field_names(fields), Path(a.corpus).stem, None, report)
    specs, codes = [r.spec for r in rows], [r.code for r in rows]
    found = Decontaminator(problems, DecontamConfig()).scan(specs, codes)
    naive = naive_overlaps(problems, specs, codes)
    dropped = [(r, o) for r, o in zip(rows, found) if o is not None and o.dropped]
    print(f"{a.corpus}: {len(rows)} rows with code, against {a.test} ({len(problems)} problems)")
    print(f"naive 13-token overlap flags {sum(1 for k, _, _ in naive if k)}; this method drops {len(dropped)}")
    print("\ndropped (line, test problem, reason, informative spec n-grams, code containment, a shared run):")
    for r, o in sorted(dropped, key=lambda ro: (-ro[1].spec_hits, -ro[1].containment)):
        print(f"  line {r.line}: {o.task_id} by {o.reason}, spec {o.spec_hits}, code {o.containment:.2f}, "
              f"'{o.sample[:80]}'")
    kept = sorted(((k, t, run, r, o) for (k, t, run), r, o in zip(naive, rows, found)
                   if k and not (o is not None and o.dropped)), key=lambda x: -x[0])
    print(f"\nkept, with the most naive overlap (line, naive n-grams shared, test problem, the shared run):")
    for k, task, run, r, o in kept[:a.top]:
        why = (f"informative spec {o.spec_hits}, code {o.containment:.2f}" if o else "nothing informative")
        print(f"  line {r.line}: {k} with {task} ({why}): '{run[:100]}'")
    close = sorted(((r, o) for r, o in zip(rows, found) if o is not None and not o.dropped and o.containment > 0),
                   key=lambda ro: -ro[1].containment)
    print("\nkept, closest to the code threshold (line, test problem, code containment, raw share):")
    for r, o in close[:a.top]:
        print(f"  line {r.line}: {o.task_id}, code {o.containment:.2f} of its informative n-grams, "
              f"raw {o.code_raw:.2f} (too few informative n-grams, or under {DecontamConfig().code_containment})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
