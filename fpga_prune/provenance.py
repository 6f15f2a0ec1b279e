"""What an artifact came from: the tool versions that produced it and the content digests of its inputs.

Why one function each: the project's ``manifest.json`` and the run's
``report.json`` must state the same versions, read the same way, and every
record of a file (a candle file, a model, a bundle) must hash it the same way.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

#: the Python packages whose versions can change an artifact
TOOL_PACKAGES = ("fpga-prune", "hls4ml", "tensorflow", "tf-keras", "qkeras", "numpy")


def tool_versions() -> dict[str, str | None]:
    """Package -> installed version (None when not installed)."""
    out: dict[str, str | None] = {}
    for pkg in TOOL_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
