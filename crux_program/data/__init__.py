"""Training data: the verified synthetic curriculum, interface degradation, user corpora, CRUX distillation.

All paths produce `Triplet`s (spec, CRUX, Verilog + family/level/split/provenance) written as JSONL; see
docs/DATA.md for the commands and figures.
"""
from crux_program.data.triplet import LEVELS, SPLITS, Triplet, load_split, read_jsonl, write_jsonl

__all__ = ["LEVELS", "SPLITS", "Triplet", "load_split", "read_jsonl", "write_jsonl"]
