"""Decontamination: drop corpus rows whose spec or code overlaps a problem of the test benchmark.

A naive n-gram overlap (any 13 whitespace tokens in common) mostly finds what every Verilog design shares:
port declarations, `module` / `endmodule`, the benchmark's own prompt template ("I would like you to
implement a module named TopModule with the following interface..."). This method removes that first, then
asks for real overlap:

Spec side
    Fenced code blocks and port-list lines (`- input [7:0] a`, `input wire clk,`: `degrade.parse_port_line`)
    are removed; the rest is lower-cased words, cut into `spec_n`-word n-grams (13, the usual size).
Code side
    Per module: comments, the module header (`module NAME #(...)(...);`, ports included), port declaration
    statements (`input ...;`) and `endmodule` are removed; in the body that is left, identifiers become one
    are numbered by first use (`canonical_form`), so a renamed or re-spaced copy reads the same while
    `assign w1 = a & b` and `assign y = a & b` (a new name, not a reused one) still differ; cut into
    `code_n`-token n-grams.
Boilerplate
    An n-gram found in more than `max_test_df` test problems is the benchmark's template, not a problem; one
    found in more than `max_corpus_df` of the corpus rows (at least `min_corpus_df` rows) is a common idiom
    (`always @(posedge id0 or posedge id1) begin if (id1)`). Both are ignored.
A row is dropped when, against one test problem:
    - its spec shares at least `spec_min_hits` informative spec n-grams (`spec`), or
    - its code holds at least `code_containment` of the problem's informative code n-grams, and the problem
      has at least `code_min_grams` of them (`code`), or
    - one of its modules has the problem's reference body token for token up to names, and that body is at
      least `min_body_tokens` tokens long (`body`): a tiny body (`assign id0 = id1 & id2;`) is what many designs
      share, so it counts only through the spec.

Limits: names are numbered from the start of each module body, so a copy whose body was reordered or had
a declaration inserted reads differently after that point (its containment drops); a spec paraphrased
rather than copied shares no 13-word run; both are the known blind spots of n-gram decontamination.

`python -m benches.decontamination_report CORPUS --fields spec=instruction,reference=output --test verilog_eval`
prints the counts and the top overlaps it drops and keeps (docs/DATA.md shows them for RTL-Coder_small).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Sequence

from crux_program.data.degrade import parse_port_line
from crux_program.data.verify import _KEYWORDS, _TOKEN
from sim.problem import Problem

_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_WORD = re.compile(r"[a-z0-9_]+")
_PORT_DECL = frozenset({"input", "output", "inout"})


@dataclass(frozen=True)
class DecontamConfig:
    """Thresholds of the method above (module docstring)."""

    spec_n: int = 13
    code_n: int = 10
    max_test_df: int = 2
    max_corpus_df: float = 0.005
    min_corpus_df: int = 5
    spec_min_hits: int = 1
    code_containment: float = 0.5
    code_min_grams: int = 10
    min_body_tokens: int = 30


@dataclass(frozen=True)
class Overlap:
    """The strongest overlap of one corpus row with one test problem."""

    task_id: str        # the test problem
    reason: str         # "spec", "code", "body" when dropped; "" when kept
    spec_hits: int      # informative spec n-grams shared
    spec_raw: int       # spec n-grams shared, boilerplate included
    containment: float  # share of the problem's informative code n-grams found in the row
    code_raw: float     # the same share, boilerplate included
    sample: str = ""    # one shared n-gram, as text

    @property
    def dropped(self) -> bool:
        return bool(self.reason)


def spec_words(spec: str) -> list[str]:
    """Lower-cased words of a spec without its code blocks and port-list lines."""
    text = _FENCE.sub(" ", spec)
    kept = [line for line in text.split("\n") if parse_port_line(line) is None]
    return _WORD.findall("\n".join(kept).lower())


def code_bodies(code: str) -> list[list[str]]:
    """Per module, the body tokens without header, port declarations and `endmodule`; names numbered by
    first use in the body (`id0`, `id1`, ...)."""
    bodies: list[list[str]] = []
    body: list[str] | None = None
    skip_until_semicolon = False
    depth = 0
    names: dict[str, str] = {}
    for tok in _TOKEN.findall(code):
        if tok.startswith(("//", "/*")):
            continue
        if tok in ("module", "macromodule"):
            body, skip_until_semicolon, depth, names = [], True, 0, {}
            bodies.append(body)
            continue
        if body is None:
            continue
        if skip_until_semicolon:  # the header (with its port list) or a port declaration statement
            depth += tok == "("
            depth -= tok == ")"
            if tok == ";" and depth <= 0:
                skip_until_semicolon = False
            continue
        if tok == "endmodule":
            body = None
            continue
        if tok in _PORT_DECL:
            skip_until_semicolon, depth = True, 0
            continue
        if (tok[0].isalpha() or tok[0] == "_") and tok not in _KEYWORDS:
            tok = names.setdefault(tok, f"id{len(names)}")
        body.append(tok)
    return bodies


def _code_grams(code: str, n: int) -> tuple[set[int], set[int]]:
    """(n-gram hashes of all bodies, hashes of whole bodies of at least one token)."""
    grams: set[int] = set()
    whole: set[int] = set()
    for body in code_bodies(code):
        if body:
            whole.add(hash(tuple(body)))
            if len(body) >= n:
                grams.update(hash(tuple(body[i:i + n])) for i in range(len(body) - n + 1))
    return grams, whole


@dataclass
class _Index:
    """n-gram hash -> test problems holding it, and per problem its n-grams."""

    owners: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    per_problem: list[set[int]] = field(default_factory=list)
    text: dict[int, str] = field(default_factory=dict)

    def add(self, grams: dict[int, str] | set[int]) -> None:
        i = len(self.per_problem)
        self.per_problem.append(set(grams))
        for g in grams:
            self.owners[g].add(i)
        if isinstance(grams, dict):
            self.text.update({g: t for g, t in grams.items() if t})


class Decontaminator:
    """Index the test problems once; `scan` the corpus rows against them."""

    def __init__(self, problems: Sequence[Problem], config: DecontamConfig | None = None) -> None:
        self.config = cfg = config or DecontamConfig()
        self.task_ids = [p.task_id for p in problems]
        self.spec = _Index()
        self.code = _Index()
        self.body_owner: dict[int, int] = {}
        for i, p in enumerate(problems):
            words = spec_words(p.spec)
            grams = {hash(tuple(words[k:k + cfg.spec_n])): " ".join(words[k:k + cfg.spec_n])
                     for k in range(max(len(words) - cfg.spec_n + 1, 0))}
            self.spec.add(grams)
            self.code.add(_code_grams(p.reference, cfg.code_n)[0])
            for body in code_bodies(p.reference):
                if len(body) >= cfg.min_body_tokens:
                    self.body_owner.setdefault(hash(tuple(body)), i)
        self._spec_template = {g for g, owners in self.spec.owners.items() if len(owners) > cfg.max_test_df}
        self._code_template = {g for g, owners in self.code.owners.items() if len(owners) > cfg.max_test_df}

    def scan(self, specs: Sequence[str], codes: Sequence[str]) -> list[Overlap | None]:
        """Per row, its strongest overlap with a test problem (None when it shares nothing at all)."""
        cfg = self.config
        rows: list[tuple[set[int], set[int], set[int]]] = []
        corpus_df: Counter = Counter()
        for spec, code in zip(specs, codes):
            words = spec_words(spec)
            spec_hits = {g for g in (hash(tuple(words[k:k + cfg.spec_n]))
                                     for k in range(max(len(words) - cfg.spec_n + 1, 0))) if g in self.spec.owners}
            grams, whole = _code_grams(code, cfg.code_n)
            code_hits = {g for g in grams if g in self.code.owners}
            rows.append((spec_hits, code_hits, {h for h in whole if h in self.body_owner}))
            corpus_df.update(spec_hits)
            corpus_df.update(code_hits)
        common = max(cfg.min_corpus_df, int(cfg.max_corpus_df * len(specs)))
        skip_spec = self._spec_template | {g for g in self.spec.owners if corpus_df[g] > common}
        skip_code = self._code_template | {g for g in self.code.owners if corpus_df[g] > common}
        informative = [grams - skip_code for grams in self.code.per_problem]
        return [self._best(spec_hits, code_hits, bodies, skip_spec, skip_code, informative)
                for spec_hits, code_hits, bodies in rows]

    def _best(self, spec_hits: set[int], code_hits: set[int], bodies: set[int], skip_spec: set[int],
              skip_code: set[int], informative: list[set[int]]) -> Overlap | None:
        cfg = self.config
        candidates = {p for g in spec_hits for p in self.spec.owners[g]}
        candidates |= {p for g in code_hits for p in self.code.owners[g]}
        candidates |= {self.body_owner[b] for b in bodies}
        best: Overlap | None = None
        for p in candidates:
            raw_spec = spec_hits & self.spec.per_problem[p]
            good_spec = raw_spec - skip_spec
            raw_code = code_hits & self.code.per_problem[p]
            inf = informative[p]
            containment = len(raw_code & inf) / len(inf) if inf else 0.0
            code_raw = len(raw_code) / len(self.code.per_problem[p]) if self.code.per_problem[p] else 0.0
            reason = ""
            if len(good_spec) >= cfg.spec_min_hits:
                reason = "spec"
            elif len(inf) >= cfg.code_min_grams and containment >= cfg.code_containment:
                reason = "code"
            elif any(self.body_owner.get(b) == p for b in bodies):
                reason = "body"
            sample = self.spec.text.get(next(iter(good_spec or raw_spec), 0), "")
            found = Overlap(self.task_ids[p], reason, len(good_spec), len(raw_spec), round(containment, 3),
                            round(code_raw, 3), sample)
            if best is None or _rank(found) > _rank(best):
                best = found
        return best


def _rank(o: Overlap) -> tuple:
    return (o.dropped, o.spec_hits, o.containment, o.spec_raw, o.code_raw)
