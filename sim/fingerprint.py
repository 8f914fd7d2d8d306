"""Fingerprints: the one way this project answers "is this the same as before?".

A cache, a resumed run or a reused stage is only sound when its key covers everything the stored result depends
on, and only useful when the key of an unchanged input does not move. Every such key is computed from the
primitives below, so "the same" means the same thing everywhere:

- `canonical_json(value)`: the text a JSON-able value is hashed as (sorted keys, fixed separators, one
  conversion for what JSON has no type for); `digest_json(value)` its digest.
- `plain_json(value)`: the value as it reads back from a JSON file, for records compared by equality.
- `digest_text(data)`: a digest of one text or byte string; `digest_parts(parts)` of a sequence of them.
- `file_digest(path)`, `file_stamp(path)`, `folder_stamp(folder)`: a file by content, or by name, size and
  mtime_ns (cheap; changes when a file is rewritten, even with the same bytes).

Digests are lowercase hex, sha256 unless a key says otherwise, truncated to `length` characters where a key is
kept short. `sim/` is the bottom layer (crux_program and optimizers import it, never the reverse), so the
primitives live here. Persisted keys keep their exact bytes: a user's verdict cache under ~/.cache, a run
folder's compile_key.json and the base model's manifest must still match after any refactor. The two sha1 keys
and the short lengths below are such fixed encodings, not choices to copy.

| key | where computed | what it covers | what it deliberately leaves out |
|---|---|---|---|
| verdict cache | `sim.cache.cache_key` over `problem_fingerprint`, `SimConfig.cache_key_fields`, `sim.icarus.fingerprint`, `JUDGE_VERSION`; `sim.core.Verifier._fingerprint` memoises the problem's part | the problem's task id, reference, tops, testbench, source and extra files' bytes; the extracted code; the mode; the settings that can change a verdict; the judge's version; both Icarus programs' version lines and file digests | the spec (no verdict reads it), jobs and cache_dir |
| evaluation fingerprint | `crux_program.evaluation.fingerprint.run_fingerprint` (eval_fingerprint.json, a `plain_json` record compared by equality) | the program's class (and a fixed-prompt program's settings), each predictor's model, sampling settings and weight files' stamp, n_samples and the run's sampling | the program's compiled state (each stage evaluates in its own folder) and the problems (samples are matched by `SampleRecord.key`, `task_id#sample_index`, not a digest) |
| compile reuse | `optimizers.reuse.key_parts`, `examples_digest` (compile_key.json) | the compiler's class and `reuse_key()`, the program's class and portable state, each predictor's `lm_identity`, the train and val examples field by field | compilers whose `reuse_key()` is None (cheap to rerun, or depending on a remote LM's answers) |
| trainer resume | `optimizers.resume.inputs_digest` (trainer/inputs.sha256) | the starting model's path and weight files' stamp, the settings, the training rows | the time cap (a capped run cannot resume: the settings refuse it) |
| GRPO probe log | `optimizers.grpo.compiler` (prompt_probe.jsonl's header, compared by equality) | the model and its weights' stamp, the sampling and reward settings, the simulator settings, `JUDGE_VERSION` | the selection rule (`keep`: a rerun with another rule reuses the probes) |
| tiny model | `crux_program.lm.tiny.tiny_model_key`, `texts_digest` (folder `tiny-<12 hex>`) | the builder's settings and the tokenizer corpus | library versions |
| curriculum | `crux_program.data.sources.synthetic.SyntheticData._stamp` (config.json, compared as JSON) | every `SyntheticConfig` field | `rename_copies` at its default (folders built before it existed stay valid); `jobs` at match time |
| curriculum splits | `crux_program.data.curriculum._rank` | seed, family, parameter key | nothing else: a seeded order, not a cache key |
| corpus preparation | `crux_program.data.corpus_prep.prep_key`, `test_fingerprint` | `PREP_VERSION`, the corpus file's bytes, the content settings, the test set's name and problems (task id, spec, reference) when decontaminating, the teacher | worker counts |
| teacher answers file | `crux_program.data.corpus_prep` (`teacher-<12 hex>.jsonl`) | the teacher's identity (model, endpoint) | the rows: each answer inside is keyed by `row_key` |
| distillation answers | `crux_program.data.distill_pool.row_key` (sha1, 20 hex) | the row's spec and reference | task id and CRUX: the same question under another id reuses its paid answer |
| self-check ids | `crux_program.data.verify` (`selfcheck/<sha1, 16 hex>`, then the verdict cache) | the reference text | nothing: the id only names content |
| base-model manifest | `crux_program.lm.base_model.reference_digest` (24 hex, training_data.json) | the reference without comments, whitespace and module name | names (the curriculum renames its copies: same structure, same design) |
| draw seeds | `crux_program.lm.sampling.DrawSeeds` (then `crux_program.lm.seeds.derive_seed`) | the prompt, temperature, top_p and base seed | nothing: it names a request within one process |

Kept apart on purpose (not "same as before" keys): `crux_program.data.dedup` (design and exact-duplicate keys
are content normalisation, `is_val` a seeded draw), `crux_program.lm.seeds.derive_seed` (an integer drawn from
a seed), `crux_program.data.families.base.Design.params_key` (readable canonical text, not a digest).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

ALGORITHM = "sha256"
_CHUNK = 1 << 20


def canonical_json(value: Any) -> str:
    """The text `value` is hashed as: keys sorted, the default separators (", " and ": "), ASCII only.

    Lists and tuples are both JSON arrays (so (1, 2) and [1, 2] are the same value). Anything JSON has no type
    for is written as its `str()`: a Path as its path text, a dataclass as its repr (field names and values in
    declaration order; pass `dataclasses.asdict(x)` to hash it as an object instead), an enum member as
    `str(member)`. Dictionary keys must be strings, numbers, booleans or None.
    """
    return json.dumps(value, sort_keys=True, default=str)


def plain_json(value: Any) -> Any:
    """`value` as it reads back from a JSON file (arrays for tuples, `str()` for the rest, as in
    `canonical_json`; key order kept), so a recorded fingerprint compares equal to a fresh one."""
    return json.loads(json.dumps(value, default=str))


def digest_text(data: str | bytes, length: int | None = None, algorithm: str = ALGORITHM) -> str:
    """Hex digest of `data` (a str as UTF-8; an unpaired surrogate as "?"), its first `length` characters."""
    return _hex(hashlib.new(algorithm, _bytes(data)), length)


def digest_parts(parts: Iterable[str | bytes], terminator: str = "\0", length: int | None = None,
                 algorithm: str = ALGORITHM) -> str:
    """Hex digest of a sequence: each part followed by `terminator`, hashed as a stream (so [a, b] and [ab]
    differ, and large parts are never joined in memory)."""
    h, end = hashlib.new(algorithm), _bytes(terminator)
    for part in parts:
        h.update(_bytes(part))
        h.update(end)
    return _hex(h, length)


def digest_json(value: Any, length: int | None = None, algorithm: str = ALGORITHM) -> str:
    """Hex digest of `canonical_json(value)`."""
    return digest_text(canonical_json(value), length, algorithm)


def file_digest(path: Path | str, length: int | None = None, algorithm: str = ALGORITHM) -> str:
    """Hex digest of a file's bytes, read in chunks; OSError when it cannot be read."""
    h = hashlib.new(algorithm)
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return _hex(h, length)


def file_stamp(path: Path | str, content: bool = False) -> list:
    """[name, size, mtime_ns] of a file (with `content`: [name, size, sha256 of its bytes], which a rewrite
    with the same bytes does not change)."""
    p = Path(path)
    st = p.stat()
    return [p.name, st.st_size, file_digest(p) if content else st.st_mtime_ns]


def folder_stamp(folder: Path | str, suffixes: Iterable[str] | None = None, content: bool = False) -> list[list]:
    """`file_stamp` of each file directly in `folder` (those whose suffix is in `suffixes`, when given), sorted
    by name; [] for a folder without any."""
    wanted = None if suffixes is None else set(suffixes)
    files = sorted(p for p in Path(folder).glob("*") if p.is_file() and (wanted is None or p.suffix in wanted))
    return [file_stamp(p, content) for p in files]


def _bytes(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8", "replace")


def _hex(h: Any, length: int | None) -> str:
    text = h.hexdigest()
    return text if length is None else text[:length]
