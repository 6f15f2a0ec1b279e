"""Which tool versions produced an artifact (the project manifest and the run report name them).

Why one function: the project's ``manifest.json`` and the run's ``report.json``
must state the same versions, read the same way.
"""

from __future__ import annotations

from importlib import metadata

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
