"""The seeded synthetic curriculum: designs from the families, phrased, degraded and split.

Splits hold out two things, reported apart:
- *test_seen*: seen families, parameter combinations never used in train or val. A design's split is a
  hash of (family, functional parameters, seed), so every phrasing and level of one combination lands in the
  same split, and names (which vary freely) cannot leak a held-out combination into train.
- *test_unseen*: whole families that never appear in train or val (`held_out_families`).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from crux_program.data.degrade import degrade_spec
from crux_program.data.families import FAMILIES
from crux_program.data.families.base import Design, OffGridRandom
from crux_program.data.rename import rename_design
from crux_program.data.spec_text import render_spec
from crux_program.data.triplet import LEVELS, Triplet
from crux_program.errors import UserError
from sim.fingerprint import digest_text

DEFAULT_HELD_OUT = ("gray_code", "pulse_stretcher")


@dataclass
class SyntheticConfig:
    """Everything that defines a synthetic dataset (same config + seed = same bytes).

    size: examples over train + val + test_seen (test_unseen is sized by `unseen_designs_per_family`).
    families: families to use (None = all of them); held_out_families: families only in test_unseen.
    variants_per_design: spec variants (phrasing x level) of one design; they share one reference, so the
        self-check costs one simulation per design.
    degradation_mix: weight of each level when a variant's level is drawn.
    val_fraction / test_fraction: share of parameter combinations of seen families held out for val / test.
    rename_fraction: share of *training* examples whose module and data ports get fresh random names
        (`data.rename`), so a model must copy names from the spec; val and test keep the families' names.
    rename_per: "example" (each spec variant its own names) or "design" (all variants of a drawn design share
        one set of new names).
    rename_copies: with rename_per="example", each training variant is written this many times, same phrasing,
        each copy renamed afresh (with probability rename_fraction): a training run of several epochs then
        meets each spec with new names instead of memorising one name set (copies 2.. are the new rows).
    off_grid_designs: per seen family, this many extra *training* designs whose main number (width, modulus,
        count) lies between the family's usual values (`families.base.grid_value`): a family otherwise shows
        a model only the 2-5 widths of its train combinations, and a small model recalls those instead of
        copying the spec's. Off-grid numbers are never held out (held-out combinations come from the grids),
        so val and test are untouched; families without a numeric grid add none. Each is self-checked.
    check: "differential" (sim/ self-check, the default), "compile" (iverilog only) or "none".
    jobs: self-check worker processes (0 = all cores).
    out_dir: where train/val/test_seen/test_unseen/test JSONL and summary.txt go.
    """

    size: int = 2400
    families: list[str] | None = None
    held_out_families: list[str] = field(default_factory=lambda: list(DEFAULT_HELD_OUT))
    seed: int = 0
    variants_per_design: int = 6
    degradation_mix: dict[str, float] = field(default_factory=lambda: {"easy": 1.0, "special": 1.0, "normal": 1.0})
    val_fraction: float = 0.05
    test_fraction: float = 0.1
    unseen_designs_per_family: int = 8
    rename_fraction: float = 0.0
    rename_per: str = "example"
    rename_copies: int = 1
    off_grid_designs: int = 0
    check: str = "differential"
    jobs: int = 0
    diff_cycles: int = 200
    out_dir: str = "outputs/data/synthetic"

    def __post_init__(self) -> None:
        # plain containers (Hydra hands over ListConfig/DictConfig), so the config serialises as JSON
        self.families = [str(f) for f in self.families] if self.families else None
        self.held_out_families = [str(f) for f in self.held_out_families]
        self.degradation_mix = {str(k): float(v) for k, v in self.degradation_mix.items()}
        self.out_dir = str(self.out_dir)
        names = self.family_names()
        unknown = [f for f in names + list(self.held_out_families) if f not in FAMILIES]
        if unknown:
            raise UserError(f"data.synthetic: unknown families {unknown}; choose from {sorted(FAMILIES)}")
        missing = [f for f in self.held_out_families if f not in names]
        if missing:
            raise UserError(f"held_out_families {missing} are not in `families`: add them to `families`, or set "
                             f"held_out_families (--held-out) to families you use")
        if len(self.seen_families()) == 0:
            raise UserError("every family is held out; leave at least one family for training")
        bad = [k for k in self.degradation_mix if k not in LEVELS]
        if bad or sum(self.degradation_mix.values()) <= 0:
            raise UserError(f"degradation_mix {self.degradation_mix}: keys from {LEVELS}, positive total weight")
        if self.size < 1 or self.variants_per_design < 1:
            raise UserError("size and variants_per_design must be >= 1")
        if not 0 <= self.rename_fraction <= 1:
            raise UserError("rename_fraction must be in [0, 1]")
        if self.rename_per not in ("example", "design"):
            raise UserError(f"rename_per={self.rename_per!r}: choose example or design")
        if self.rename_copies < 1 or (self.rename_copies > 1 and (self.rename_per != "example"
                                                                  or self.rename_fraction == 0)):
            raise UserError(f"rename_copies={self.rename_copies}: must be >= 1, and > 1 only with "
                             "rename_per=example and rename_fraction > 0 (copies differ only in their names)")
        if self.off_grid_designs < 0:
            raise UserError(f"off_grid_designs={self.off_grid_designs}: must be >= 0 (extra designs per family)")
        if not 0 <= self.val_fraction + self.test_fraction < 1:
            raise UserError("val_fraction + test_fraction must be in [0, 1)")

    def family_names(self) -> list[str]:
        return list(self.families) if self.families else list(FAMILIES)

    def seen_families(self) -> list[str]:
        return [f for f in self.family_names() if f not in self.held_out_families]


@dataclass(frozen=True)
class DesignItem:
    """A generated design with its index and split, before phrasing."""

    design: Design
    index: int
    split: str
    off_grid: bool = False  # an extra training design with an off-grid number (SyntheticConfig.off_grid_designs)


def _rank(family: str, params_key: str, seed: int) -> str:
    # hex sorts as the raw digest did, so the splits of every seed stay where they were
    return digest_text(f"{seed}|{family}|{params_key}")


def assign_splits(family: str, keys: list[str], cfg: SyntheticConfig) -> dict[str, str]:
    """Split of each parameter combination of a seen family (names never matter).

    Combinations are ordered by a seeded hash; the first share goes to test_seen, the next to val, the rest
    to train. A family with at least three combinations always gets one test combination, so every seen
    family is measured on unseen parameters.
    """
    ordered = sorted(set(keys), key=lambda k: _rank(family, k, cfg.seed))
    n = len(ordered)
    n_test = max(1 if n >= 3 else 0, round(cfg.test_fraction * n)) if cfg.test_fraction > 0 else 0
    n_val = max(1 if n >= 6 else 0, round(cfg.val_fraction * n)) if cfg.val_fraction > 0 else 0
    split = {k: "test_seen" for k in ordered[:n_test]}
    split.update({k: "val" for k in ordered[n_test:n_test + n_val]})
    split.update({k: "train" for k in ordered[n_test + n_val:]})
    return split


def generate_designs(cfg: SyntheticConfig) -> list[DesignItem]:
    """All designs of the curriculum, family by family, each from its own seeded RNG."""
    per_family = math.ceil(cfg.size / cfg.variants_per_design / len(cfg.seen_families()))
    items: list[DesignItem] = []
    for name in cfg.family_names():
        unseen = name in cfg.held_out_families
        count = cfg.unseen_designs_per_family if unseen else per_family
        designs = [FAMILIES[name].build(random.Random(f"{cfg.seed}/{name}/{i}")) for i in range(count)]
        split = {} if unseen else assign_splits(name, [d.params_key for d in designs], cfg)
        items += [DesignItem(d, i, split.get(d.params_key, "test_unseen")) for i, d in enumerate(designs)]
        if not unseen:
            items += off_grid_items(name, count, cfg)
    return items


def off_grid_items(family: str, first_index: int, cfg: SyntheticConfig) -> list[DesignItem]:
    """The family's `off_grid_designs` extra training designs (indices from `first_index`), each drawn with an
    `OffGridRandom`; a draw that found no gap in the family's grids is dropped, not kept as a grid design."""
    items = []
    for i in range(cfg.off_grid_designs):
        rng = OffGridRandom(f"{cfg.seed}/{family}/{first_index + i}/off-grid")
        design = FAMILIES[family].build(rng)
        if rng.drew_off_grid:
            items.append(DesignItem(design, first_index + i, "train", off_grid=True))
    return items


def phrase(item: DesignItem, cfg: SyntheticConfig) -> list[Triplet]:
    """The spec variants of one design, each at a drawn level, sharing the design's reference and CRUX."""
    d = item.design
    rng = random.Random(f"{cfg.seed}/{d.family}/{item.index}/phrasing")
    levels, weights = zip(*cfg.degradation_mix.items())
    renamer = random.Random(f"{cfg.seed}/{d.family}/{item.index}/rename")
    renames = item.split == "train" and cfg.rename_fraction > 0
    # rename_per="design": one draw per design, all its variants share the new names;
    # "example": each variant draws on its own, so no name set repeats for a model to memorise.
    shared = item.design
    if renames and cfg.rename_per == "design" and renamer.random() < cfg.rename_fraction:
        shared = rename_design(item.design, renamer)
    out: list[Triplet] = []
    seen_specs: set[str] = set()
    for v in range(cfg.variants_per_design):
        # Val and test keep the family's names. One design still costs one self-check simulation.
        d = shared
        if renames and cfg.rename_per == "example" and renamer.random() < cfg.rename_fraction:
            d = rename_design(item.design, renamer)
        level = rng.choices(levels, weights)[0]
        detailed = level == "special" or rng.random() < 0.5  # Special needs the notes that name clock/reset
        prose = level == "normal" or rng.random() < 0.25  # Normal needs the ports described in prose
        state = rng.getstate()  # copies replay the same phrasing draws with other names
        spec = degrade_spec(render_spec(d, rng, detailed, prose), level, rng)
        if spec in seen_specs:
            continue
        seen_specs.add(spec)
        tag = f"g{v}" if item.off_grid else f"{v}"  # off-grid rows are extra rows, as renamed copies are
        out.append(_triplet(d, spec, level, item, cfg, tag))
        if renames and cfg.rename_copies > 1:
            after = rng.getstate()
            copier = random.Random(f"{cfg.seed}/{d.family}/{item.index}/{v}/copies")  # own stream, own names
            for c in range(1, cfg.rename_copies):
                dc = rename_design(item.design, copier) if copier.random() < cfg.rename_fraction else item.design
                rng.setstate(state)
                spec_c = degrade_spec(render_spec(dc, rng, detailed, prose), level, rng)
                out.append(_triplet(dc, spec_c, level, item, cfg, f"{tag}c{c}"))
            rng.setstate(after)
    return out


def is_extra_row(task_id: str) -> bool:
    """Whether a task id is an augmentation row rather than a grid design's variant (`.../<variant>`): a
    renamed copy (`syn/<family>/<index>/<variant>c<copy>`, rename_copies > 1) or an off-grid design's variant
    (`.../g<variant>`, off_grid_designs > 0). The dataset writer mixes these in with their own RNG."""
    return not task_id.rsplit("/", 1)[-1].isdigit()


def _triplet(d: Design, spec: str, level: str, item: DesignItem, cfg: SyntheticConfig, variant: str) -> Triplet:
    return Triplet(
        task_id=f"syn/{d.family}/{item.index:05d}/{variant}", spec=spec, verilog=d.verilog, crux=d.crux(),
        family=d.family, level=level, split=item.split,
        provenance=f"synthetic:seed={cfg.seed};params={d.params_key}",
    )


def generate(cfg: SyntheticConfig) -> list[Triplet]:
    """Every example of the curriculum, unchecked, in a deterministic order."""
    return [t for item in generate_designs(cfg) for t in phrase(item, cfg)]
