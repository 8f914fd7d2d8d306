"""Duplicate designs in a corpus, and a train/val cut that never splits one design across both sides.

Two rows are *exact* duplicates when their spec and code are equal after whitespace is collapsed. They are
*near* duplicates when their code is the same design under other names or other spacing: equal
`canonical_form` (the token stream with comments dropped and identifiers numbered by first use, the form
the self-check already uses to simulate a renamed design once). Corpora written by LLMs repeat designs
with new module and port names; a near duplicate adds no new behaviour to learn from, and, left on both
sides of a train/val cut, makes the val split measure recall instead of generalisation.

The val cut is drawn per *design key* (the hash of the canonical form), from a seeded hash, so it does not
depend on row order and a design and all its renamed copies fall on the same side even when near
duplicates are kept (`dedup="exact"` or `"none"`).
"""
from __future__ import annotations

# Not sim.fingerprint: these keys normalise content (same design, other names) and draw seeded splits; they
# are not "same as before" keys.
import hashlib
import re

from crux_program.data.verify import canonical_form
from crux_program.errors import UserError

DEDUP_MODES = ("near", "exact", "none")
_SPACE = re.compile(r"\s+")


def design_key(code: str) -> str:
    """A short hash of the code's canonical form: equal for the same design under other names or spacing."""
    return hashlib.sha1(canonical_form(code).encode()).hexdigest()[:16]


def exact_key(spec: str, code: str) -> str:
    """A short hash of spec and code with whitespace collapsed (an exact duplicate row)."""
    text = _SPACE.sub(" ", spec).strip() + "\x00" + _SPACE.sub(" ", code).strip()
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def is_val(key: str, val_fraction: float, seed: int) -> bool:
    """Whether the design with this key goes to val: a seeded hash in [0, 1) below `val_fraction`."""
    digest = hashlib.sha1(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < val_fraction


class Deduplicator:
    """Remembers the rows seen so far; `duplicate(spec, code)` says whether a new row repeats one of them.

    mode: "near" (same design up to renaming and spacing, or the same row), "exact" (the same spec and code
    up to whitespace), "none" (keep everything).
    """

    def __init__(self, mode: str = "near") -> None:
        if mode not in DEDUP_MODES:
            raise UserError(f"data.dedup={mode!r}: choose one of {DEDUP_MODES}")
        self.mode = mode
        self._rows: set[str] = set()
        self._designs: set[str] = set()

    def duplicate(self, spec: str, code: str, design: str) -> bool:
        """True when the row repeats an earlier one (which then stays); else records it and returns False."""
        if self.mode == "none":
            return False
        row = exact_key(spec, code)
        seen = row in self._rows or (self.mode == "near" and design in self._designs)
        if not seen:
            self._rows.add(row)
            self._designs.add(design)
        return seen
