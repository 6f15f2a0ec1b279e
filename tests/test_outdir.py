"""Output directories appear whole or not at all."""

from __future__ import annotations

import os

import pytest

from fpga_prune.outdir import staged_dir, write_tree


def test_success_publishes_tree_with_umask_mode(tmp_path):
    out = tmp_path / "out"
    with staged_dir(out) as stage:
        write_tree(stage, {"b/c.txt": "hi\n", "a.bin": b"\x00\x01"})
    assert (out / "b" / "c.txt").read_text() == "hi\n"
    assert (out / "a.bin").read_bytes() == b"\x00\x01"
    umask = os.umask(0)
    os.umask(umask)
    assert (out.stat().st_mode & 0o777) == (0o777 & ~umask)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging leftovers


def test_failure_leaves_nothing_and_keeps_previous(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with staged_dir(out) as stage:
            write_tree(stage, {"x": "1"})
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with staged_dir(out) as stage:
        write_tree(stage, {"old": "1"})
    with pytest.raises(RuntimeError):
        with staged_dir(out) as stage:
            write_tree(stage, {"new": "2"})
            raise RuntimeError("boom")
    assert sorted(p.name for p in out.iterdir()) == ["old"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_replace_swaps_whole_tree(tmp_path):
    out = tmp_path / "out"
    with staged_dir(out) as stage:
        write_tree(stage, {"old": "1"})
    with staged_dir(out) as stage:
        write_tree(stage, {"new": "2"})
    assert sorted(p.name for p in out.iterdir()) == ["new"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_write_bytes_atomic_replaces_whole_file(tmp_path):
    from fpga_prune.outdir import write_bytes_atomic

    target = tmp_path / "sub" / "f.json"
    write_bytes_atomic(target, b"one")
    write_bytes_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]  # no temp files left


def test_json_writer_is_sorted_strict_and_atomic(tmp_path):
    from fpga_prune.outdir import json_text, write_json_atomic

    path = tmp_path / "a.json"
    write_json_atomic(path, {"b": 1, "a": [0.5]})
    assert path.read_text() == '{\n  "a": [\n    0.5\n  ],\n  "b": 1\n}\n'
    assert json_text({"b": 1, "a": 2}, indent=1) == '{\n "a": 2,\n "b": 1\n}\n'
    with pytest.raises(ValueError):
        write_json_atomic(path, {"x": float("nan")})
    assert path.read_text().startswith('{\n  "a"')  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temp file left behind
