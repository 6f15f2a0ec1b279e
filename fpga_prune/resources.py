"""Locate the shipped asset trees (boards/, hls_templates/, sim/).

Why two places: in the wheel the assets live inside the package
(``fpga_prune/_assets/<name>``, see pyproject's force-include), while in a
source checkout or editable install they sit at the repository root, the
layout the product fixes.  Both are found through ``importlib.resources``.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

ASSETS = ("boards", "hls_templates", "sim")


def asset_dir(name: str) -> Traversable:
    """The directory of asset tree ``name`` (one of ``ASSETS``)."""
    if name not in ASSETS:
        raise KeyError(f"unknown asset tree {name!r}; valid: {', '.join(ASSETS)}")
    pkg = resources.files("fpga_prune")
    installed = pkg / "_assets" / name
    if installed.is_dir():
        return installed
    checkout = Path(str(pkg)).parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"fpga_prune asset tree {name!r} not found (broken installation)")


def asset_path(name: str) -> Path:
    """``asset_dir`` as a real filesystem path (needed by simulators and g++)."""
    return Path(str(asset_dir(name)))
