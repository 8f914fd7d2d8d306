"""Derived sampling seeds, stable across runs and processes (no torch: the evaluation imports this too)."""
from __future__ import annotations

# Not sim.fingerprint: an integer drawn from a seed, not a "same as before" key (its bytes are the draw).
import hashlib


def derive_seed(base_seed: int, key: str, draw: int) -> int:
    """Seed of the `draw`-th sample of the request identified by `key`: stable across runs and processes."""
    digest = hashlib.sha256(f"{base_seed}:{key}:{draw}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & 0x7FFF_FFFF_FFFF_FFFF
