"""The suite's two tiers: tests that need only the package, and tests that read other people's designs.

Why two: the calibration set (public hls4ml projects with their real csynth reports, in
``../shared/vitis-calibration`` or ``$FPGA_PRUNE_CALIBRATION``) is never copied into the repository, so a
user's clone does not have it.  Tests that read it carry the ``calibration`` marker; where the set is absent
they are reported as not run (conftest), and everything else passes on the package alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fpga_prune.data import calibration_dir

REPO = Path(__file__).resolve().parents[1]


def _find() -> Path | None:
    try:
        return calibration_dir(REPO)
    except FileNotFoundError:
        return None


#: the calibration set, or None where it is absent (a bare clone)
CALIBRATION: Path | None = _find()
#: the reason a calibration test is not run, with the one line a user needs to run it
ABSENT = (
    "calibration set absent: set FPGA_PRUNE_CALIBRATION to a directory laid out like "
    "../shared/vitis-calibration (public hls4ml designs with csynth reports) to run this tier"
)

calibration = pytest.mark.calibration


def cal_path(*parts: str) -> Path:
    """A path inside the calibration set (a placeholder where it is absent: the test is skipped anyway)."""
    return (CALIBRATION or REPO / "calibration-set-absent").joinpath(*parts)


def designs(pattern: str = "*/design.json") -> list:
    """The calibration set's files matching ``pattern``, sorted; one placeholder parameter where it is absent,
    so a parametrized test is reported as not run rather than as an empty parameter set."""
    if CALIBRATION is None:
        return [pytest.param(None, id="calibration-set-absent")]
    return sorted(CALIBRATION.glob(pattern))
