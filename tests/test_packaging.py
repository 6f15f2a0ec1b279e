"""The wheel carries boards/, hls_templates/, sim/ and the built-in candle samples.

A real wheel is built from this checkout and installed (non-editable) into a
separate directory; a child interpreter that imports fpga_prune from there
must find every asset file and load every sample by name, and must not be
reading the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fpga_prune.resources import ASSETS, asset_dir

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys
import fpga_prune
from fpga_prune.resources import asset_dir, ASSETS
out = {"package": fpga_prune.__file__, "assets": {}}
def walk(t, prefix=""):
    for c in t.iterdir():
        if c.name == "__pycache__":
            continue
        if c.is_dir():
            yield from walk(c, prefix + c.name + "/")
        else:
            yield prefix + c.name, len(c.read_bytes())
for name in ASSETS:
    d = asset_dir(name)
    out["assets"][name] = {"dir": str(d), "files": dict(walk(d))}
from fpga_prune.data import get_sample, load, sample_names
out["samples"] = {}
for name in sample_names():
    s = get_sample(name)
    out["samples"][name] = {"file": str(s.file), "rows": len(load("sample:" + name)),
                            "packaged": sorted(p.name for p in s.file.parent.iterdir())}
print(json.dumps(out))
"""


def _tracked(name: str) -> dict[str, int]:
    files = subprocess.run(
        ["git", "ls-files", name], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return {f[len(name) + 1 :]: (REPO / f).stat().st_size for f in files}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    wheels = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("fpga_prune-*.whl")
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    return target


def test_wheel_install_finds_every_asset(installed, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(installed))
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    out = json.loads(proc.stdout)
    assert out["package"].startswith(str(installed))
    for name in ASSETS:
        found = out["assets"][name]
        assert found["dir"].startswith(str(installed)), found["dir"]
        assert found["dir"].endswith(f"fpga_prune/_assets/{name}")
        tracked = _tracked(name)
        assert tracked, f"no tracked files under {name}/"
        assert found["files"] == tracked


def test_wheel_install_carries_the_samples(installed, tmp_path):
    """Each sample (the .csv.gz and its provenance .json) is in the wheel and loads by name there."""
    from fpga_prune.data import get_sample, sample_names

    env = dict(os.environ, PYTHONPATH=str(installed))
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    out = json.loads(proc.stdout)
    tracked = _tracked("fpga_prune/data/samples")
    assert tracked and sorted(out["samples"]) == sorted(sample_names())
    for name, found in out["samples"].items():
        s = get_sample(name)
        assert found["file"] == str(installed / "fpga_prune" / "data" / "samples" / s.file.name)
        assert found["rows"] == s.rows
        assert found["packaged"] == sorted(tracked)
        assert Path(found["file"]).read_bytes() == s.file.read_bytes()


def test_checkout_finds_assets_at_repo_root():
    for name in ASSETS:
        assert Path(str(asset_dir(name))) == REPO / name


def test_unknown_asset_lists_valid_names():
    with pytest.raises(KeyError, match="valid: boards, hls_templates, sim"):
        asset_dir("templates")
