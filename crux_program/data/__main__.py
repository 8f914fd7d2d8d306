"""`python -m crux_program.data ...`: build the synthetic dataset (default) or load a user corpus.

    python -m crux_program.data --size 2400 --seed 0 --out outputs/data/synthetic
    python -m crux_program.data corpus --input my.jsonl --out outputs/data/corpus --spec-field instruction
"""
from __future__ import annotations

import argparse
import sys


SUBCOMMANDS = """commands:
  python -m crux_program.data [synthetic] [options]   build the synthetic curriculum (the options above)
  python -m crux_program.data corpus --input FILE.jsonl --out TRIPLETS.jsonl [options]
                                                     load your own JSONL corpus (python -m crux_program.data corpus --help)
"""


def _csv(text: str | None) -> list[str] | None:
    return [x.strip() for x in text.split(",") if x.strip()] if text else None


def _synthetic(argv: list[str]) -> int:
    from crux_program.data.make_dataset import SyntheticConfig, make_dataset, summary_table

    p = argparse.ArgumentParser(
        prog="python -m crux_program.data", description="Build the synthetic curriculum (the default command), or "
        "load a corpus of your own with the corpus command.", epilog=SUBCOMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    d = SyntheticConfig()
    p.add_argument("--size", type=int, default=d.size)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--out", default=d.out_dir)
    p.add_argument("--families", help="comma-separated subset (default: all)")
    p.add_argument("--held-out", default=",".join(d.held_out_families), help="families only in test_unseen")
    p.add_argument("--variants", type=int, default=d.variants_per_design)
    p.add_argument("--rename-fraction", type=float, default=d.rename_fraction,
                   help="share of training examples given fresh random names (copy-from-spec augmentation)")
    p.add_argument("--rename-per", default=d.rename_per, choices=["example", "design"],
                   help="draw new names per spec variant (example) or once per design (design)")
    p.add_argument("--rename-copies", type=int, default=d.rename_copies,
                   help="write each training variant this many times, each copy with fresh names")
    p.add_argument("--off-grid-designs", type=int, default=d.off_grid_designs,
                   help="extra training designs per family with widths between the family's usual ones")
    p.add_argument("--check", default=d.check, choices=["differential", "compile", "none"])
    p.add_argument("--jobs", type=int, default=d.jobs)
    p.add_argument("--diff-cycles", type=int, default=d.diff_cycles, help="random cycles per self-check")
    a = p.parse_args(argv)
    cfg = SyntheticConfig(size=a.size, seed=a.seed, out_dir=a.out, families=_csv(a.families),
                          held_out_families=_csv(a.held_out) or [], variants_per_design=a.variants,
                          rename_fraction=a.rename_fraction, rename_per=a.rename_per,
                          rename_copies=a.rename_copies, off_grid_designs=a.off_grid_designs,
                          check=a.check, jobs=a.jobs, diff_cycles=a.diff_cycles)
    summary = make_dataset(cfg, progress=sys.stderr.isatty())
    print(summary_table(summary))
    for line in summary.failures[:10]:
        print("dropped:", line)
    return 0


def _corpus(argv: list[str]) -> int:
    from crux_program.data.corpus import CorpusConfig, load_corpus

    p = argparse.ArgumentParser(prog="python -m crux_program.data corpus", description="Load a user JSONL corpus.")
    d = CorpusConfig(path="")
    p.add_argument("--input", required=True)
    p.add_argument("--out", required=True, help="output JSONL of triplets")
    p.add_argument("--spec-field", default=",".join(d.spec_fields))
    p.add_argument("--code-field", default=",".join(d.code_fields))
    p.add_argument("--rename-top", default=None, help="rename every reference's top module to this name")
    p.add_argument("--level", default=d.level, choices=["keep", "easy", "special", "normal", "mix"])
    a = p.parse_args(argv)
    cfg = CorpusConfig(path=a.input, spec_fields=_csv(a.spec_field), code_fields=_csv(a.code_field),
                       rename_top=a.rename_top, level=a.level)
    result = load_corpus(cfg)
    from crux_program.data.triplet import write_jsonl

    write_jsonl(a.out, result.kept)
    print(result.report())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command in argv; a user's mistake (a bad option value) prints its message and returns 2."""
    from crux_program.errors import UserError

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "corpus":
            return _corpus(argv[1:])
        if argv and argv[0] == "synthetic":
            argv = argv[1:]
        return _synthetic(argv)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
