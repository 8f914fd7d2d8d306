"""The fingerprint primitives every "same as before?" key is computed with (sim.fingerprint)."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sim.fingerprint import (canonical_json, digest_json, digest_parts, digest_text, file_digest, file_stamp,
                             folder_stamp, plain_json)


@dataclass(frozen=True)
class _Point:
    x: int
    y: str


def test_canonical_json_sorts_keys_at_every_level():
    assert canonical_json({"b": 1, "a": {"d": 2, "c": 3}}) == '{"a": {"c": 3, "d": 2}, "b": 1}'
    assert digest_json({"b": 1, "a": 2}) == digest_json({"a": 2, "b": 1})


def test_tuples_are_arrays_paths_their_text_dataclasses_their_repr():
    assert canonical_json((1, 2)) == canonical_json([1, 2]) == "[1, 2]"
    assert canonical_json({"p": Path("/a/b")}) == '{"p": "/a/b"}'
    assert canonical_json(_Point(1, "z")) == '"_Point(x=1, y=\'z\')"'
    assert digest_json(_Point(1, "z")) != digest_json(_Point(2, "z"))


def test_plain_json_reads_back_like_a_json_file_and_keeps_key_order():
    value = plain_json({"b": (1, Path("/m")), "a": None})
    assert value == {"b": [1, "/m"], "a": None} and list(value) == ["b", "a"]


def test_pinned_values_do_not_move():
    """Persisted keys (verdict caches, compile_key.json, the base model's manifest) depend on these bytes."""
    assert digest_text("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert digest_text(b"abc", length=12) == "ba7816bf8f01"
    assert digest_text("abc", algorithm="sha1") == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert digest_json({"b": [1, 2], "a": "x"}) == \
        "5125d018f84d57c49a8d3c2cfa6063d23cc3f4cd7ff13f4fdedfa2c1d3162f30"  # sha256 of '{"a": "x", "b": [1, 2]}'
    assert digest_json({"b": [1, 2], "a": "x"}, length=16) == "5125d018f84d57c4"
    assert digest_parts(["a", b"b"]) == "8fb20ef63ced4145fc2e983ffe597d1dcff39154c3bf21f0fa9dde6a0c50fdc9"  # a\0b\0
    assert digest_parts(["x"], terminator="\n") == hashlib.sha256(b"x\n").hexdigest()


def test_parts_are_kept_apart_and_text_equals_its_bytes():
    assert digest_parts(["ab", "c"]) != digest_parts(["a", "bc"])
    assert digest_text("é") == digest_text("é".encode())
    assert digest_text("\ud800") == digest_text("?")  # an unpaired surrogate hashes, as "?"


def test_file_digest_is_the_digest_of_its_bytes(tmp_path):
    f = tmp_path / "w.bin"
    f.write_bytes(b"\x00" * 3_000_000)  # more than one read chunk
    assert file_digest(f) == digest_text(f.read_bytes())
    assert file_digest(f, length=8) == digest_text(f.read_bytes())[:8]


def test_folder_stamp_changes_when_a_file_changes(tmp_path):
    (tmp_path / "b.safetensors").write_bytes(b"one")
    (tmp_path / "a.bin").write_bytes(b"two")
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "sub.bin").mkdir()  # a folder is not a file, whatever its name
    stamp = folder_stamp(tmp_path, (".safetensors", ".bin"))
    assert [row[0] for row in stamp] == ["a.bin", "b.safetensors"]
    assert [row[0] for row in folder_stamp(tmp_path)] == ["a.bin", "b.safetensors", "config.json"]

    f = tmp_path / "b.safetensors"
    st = f.stat()
    f.write_bytes(b"one")  # the same bytes, rewritten later: the mtime stamp moves, the content stamp does not
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert folder_stamp(tmp_path, (".safetensors", ".bin")) != stamp
    by_content = folder_stamp(tmp_path, (".safetensors",), content=True)
    assert by_content == [["b.safetensors", 3, digest_text(b"one")]]
    f.write_bytes(b"won")  # new bytes of the same size
    assert folder_stamp(tmp_path, (".safetensors",), content=True) != by_content
    assert file_stamp(f, content=True) == ["b.safetensors", 3, digest_text(b"won")]


def test_folder_stamp_of_an_empty_or_missing_folder_is_empty(tmp_path):
    assert folder_stamp(tmp_path) == [] and folder_stamp(tmp_path / "absent") == []


def test_the_verdict_caches_problem_part_is_pinned(tmp_path):
    """Users' verdict caches on disk keep hitting: the problem's part of the key keeps its bytes."""
    from sim.cache import problem_fingerprint
    from sim.problem import Problem

    (tmp_path / "data.txt").write_bytes(b"0101\n")
    problem = Problem(task_id="t/1", spec="any spec", reference="module m; endmodule", top="m",
                      extra_files={"data.txt": tmp_path / "data.txt"}, source="synthetic")
    assert problem_fingerprint(problem) == "2ba5f4dab07a0d5e66a1ca1459e41c05e20ac03e4e153dbe5edcf1d288191b73"
    assert problem_fingerprint(Problem(**{**problem.__dict__, "spec": "another spec"})) == \
        problem_fingerprint(problem)  # a verdict never reads the spec
