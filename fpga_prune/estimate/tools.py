"""Which HLS tool builds the design: names users type, and the tool families the estimator models.

Why families: Vivado HLS (2019-2020) and Vitis HLS schedule and bind hls4ml's
templates differently (constant-multiplier sharing, softmax table replication,
pipeline registers), and Vitis 2021 still differs from 2022+.  The public
csynth reports of ``../shared/vitis-calibration`` show three behaviours, so
the estimator's tool-specific rules (``estimate.RULES``) are keyed by these
three families; any version maps onto one of them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from fpga_prune.errors import InputError

#: Tool families with their own rules: Vivado HLS 2019-2020, Vitis HLS 2020-2021, Vitis HLS 2022+.
TOOL_FAMILIES = ("vivado", "vitis2021", "vitis")

#: Names offered on the command line (any ``vivado-YYYY[.N]`` / ``vitis-YYYY[.N]`` is accepted).
HLS_TOOLS = (
    "vivado-2019.2",
    "vivado-2020.1",
    "vitis-2021.1",
    "vitis-2022.2",
    "vitis-2023.2",
    "vitis-2024.1",
    "vitis-2024.2",
    "vitis-2025.1",
)

#: What users run today (hls4ml 1.x targets Vitis HLS; 2024.1 is its tested release).
DEFAULT_HLS_TOOL = "vitis-2024.1"

_NAME = re.compile(r"^(vivado|vitis)(?:[-_ ]?hls)?[-_ ]?(\d{4})(?:\.(\d))?$")


def tool_family(name: str) -> str:
    """``vitis-2022.2`` -> ``vitis``; ``vitis-2021.1`` -> ``vitis2021``; ``vivado-2019.2`` -> ``vivado``."""
    m = _NAME.match(name.strip().lower())
    if not m:
        raise InputError(
            "--hls-tool",
            None,
            f"{name!r} is not a tool name like vitis-2024.1 or vivado-2019.2; known: {', '.join(HLS_TOOLS)}",
        )
    kind, year = m.group(1), int(m.group(2))
    if kind == "vivado":
        if year > 2020:
            raise InputError(
                "--hls-tool", None, f"{name!r}: Vivado HLS ended with 2020.x (later releases are Vitis HLS)"
            )
        return "vivado"
    if year < 2020:
        raise InputError("--hls-tool", None, f"{name!r}: Vitis HLS starts with 2020.1")
    return "vitis2021" if year <= 2021 else "vitis"


#: Per family, the release years whose csynth reports the rules and bands were fitted on (``RATIOS``' sources):
#: a version outside them (Vivado HLS 2018 or older, Vitis HLS 2026+) is modelled by its family's rules but
#: gets the widest band (``estimate.bands``) and says so.
CALIBRATED_YEARS = {"vivado": (2019, 2020), "vitis2021": (2020, 2021), "vitis": (2022, 2025)}


@lru_cache(maxsize=64)
def is_calibrated(name: str) -> bool:
    """Whether ``name``'s release falls in the years its family was calibrated on (``CALIBRATED_YEARS``)."""
    m = _NAME.match(name.strip().lower())
    first, last = CALIBRATED_YEARS[tool_family(name)]
    return m is not None and first <= int(m.group(2)) <= last


def default_clock_uncertainty(family: str) -> float:
    """Fraction of the period the scheduler reserves when the project does not say.

    hls4ml 1.x writes ``ClockUncertainty: 27%`` for Vitis (``jet_f16_rf1_u250_vitis2022``:
    1.35 ns of 5 ns); Vivado HLS and hls4ml 0.x Vitis builds use 12.5% (0.62 ns of 5 ns
    in every ``*_vhls2019`` and ``ak_*_vitis2021`` report).
    """
    return 0.27 if family == "vitis" else 0.125


def parse_uncertainty(text: str | None, period_ns: float) -> float | None:
    """``"27%"`` -> 0.27, ``"0.62"`` (ns) -> 0.62/period; None when absent or unreadable."""
    if not text:
        return None
    t = str(text).strip()
    try:
        if t.endswith("%"):
            return float(t[:-1]) / 100.0
        return float(t.removesuffix("ns").strip()) / period_ns
    except ValueError:
        return None
