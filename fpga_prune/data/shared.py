"""Where the real candles live for tests, examples and benchmarks.

Why here: the test suite and every bench script must read the same file by
the same rule — ``FPGA_PRUNE_DATA`` (a CSV file or a directory of them), else
``shared/data/bybit/`` beside the checkout — and the data are never copied
into the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "FPGA_PRUNE_DATA"


def shared_csv(checkout: str | os.PathLike[str]) -> Path:
    """The first Bybit CSV of ``$FPGA_PRUNE_DATA`` or ``<checkout>/../shared/data/bybit``."""
    where = Path(os.environ.get(ENV, Path(checkout).parent / "shared" / "data" / "bybit"))
    if where.is_file():
        return where
    files = sorted(where.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no Bybit CSV under {where}; set {ENV}")
    return files[0]


CALIBRATION_ENV = "FPGA_PRUNE_CALIBRATION"


def calibration_dir(checkout: str | os.PathLike[str]) -> Path:
    """The public hls4ml designs with real HLS reports: ``$FPGA_PRUNE_CALIBRATION`` or
    ``<checkout>/../shared/vitis-calibration`` (read in place, never copied)."""
    where = Path(os.environ.get(CALIBRATION_ENV, Path(checkout).parent / "shared" / "vitis-calibration"))
    if not where.is_dir():
        raise FileNotFoundError(f"no calibration designs at {where}; set {CALIBRATION_ENV}")
    return where
