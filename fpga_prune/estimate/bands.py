"""Error bands of the estimator and user calibrations, as data.

Why ratios real/estimate: the residuals of ``fpga_prune.estimate.core`` on real
csynth reports scale with the design, so a band is a pair of factors
(quantiles of real/estimate) applied to any estimate.  ``RATIOS`` holds, per
HLS tool family (``FORCED`` for builds with forced multiplier binding) and
quantity, the ratios real/estimate of the shipped rules on every design of
``../shared/vitis-calibration`` and on 14 more public hls4ml projects
synthesized with Vitis HLS 2023-2025 (7 plain, 7 HGQ; their repositories are
cited in ``estimate_rules.RULES``; kept outside this repository) -- written by
``PYTHONPATH=. python bench/bench_estimator.py --extra DIR... --write-bands``,
rounded to 4 decimals.  The rules were fitted on these designs, so the ratios
are in-sample: a band is the spread the rules leave, not a held-out error.
A family with fewer than ``MIN_FAMILY_DESIGNS`` designs borrows the pooled
ratios of all plain families.

``Calibration`` is what ``fpga-prune calibrate`` fits on a user's own reports:
rule values per tool family and the user's own ratios (which then replace the
shipped ones for that family).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fpga_prune.errors import InputError
from fpga_prune.outdir import read_json_object

#: Quantities with a band (``Estimate`` field names).
BAND_QUANTITIES = ("dsp", "bram18k", "lut", "ff", "latency_cycles")
MIN_FAMILY_DESIGNS = 8
#: Key of the ratios of builds with forced multiplier binding (``config_op mul -impl``), whatever the tool.
FORCED = "forced_mul_impl"
CALIBRATION_FORMAT = "fpga_prune.calibration/1"

# fmt: off
#: family -> quantity -> real/estimate ratios (leave-one-design-out); see the module docstring.
RATIOS: dict[str, dict[str, tuple[float, ...]]] = {
    'forced_mul_impl': {
        'dsp': (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'bram18k': (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'lut': (0.8583, 0.8738, 0.8744, 0.8887, 0.9326, 0.9468, 0.9503, 0.9518, 0.9534, 0.9709, 0.9959, 0.9976, 1.0046, 1.0236, 1.0388, 1.0562, 1.0774, 1.0868, 1.1319, 1.1587, 1.1629, 1.2228, 1.236),
        'ff': (0.7396, 0.7758, 0.8375, 0.8906, 0.8981, 0.9131, 0.9918, 0.9954, 1.0004, 1.0735, 1.0899, 1.0929, 1.1119, 1.2754, 1.3259, 1.3902, 1.4494, 1.5289, 1.5931, 1.6094, 1.9135, 1.9196, 2.2177),
        'latency_cycles': (0.8333, 0.8462, 0.88, 0.9091, 0.9412, 0.9524, 0.9574, 0.9643, 0.9667, 0.9818, 0.9831, 1.0, 1.0, 1.0, 1.0, 1.8936, 1.9767, 2.122, 2.2432, 5.0889, 5.4878, 5.675, 6.1944),
    },
    'vitis': {
        'dsp': (0.9836, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1905),
        'bram18k': (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'lut': (0.7948, 0.9499, 0.9596, 0.9603, 1.0151, 1.0236, 1.0309, 1.0322, 1.0373, 1.0486, 1.1394, 1.141, 1.1942, 1.2751, 1.3616),
        'ff': (0.386, 0.537, 0.5757, 0.5997, 0.6689, 0.6893, 0.7483, 0.7999, 0.8057, 0.8741, 0.9002, 0.9382, 1.0127, 1.1661, 1.2688),
        'latency_cycles': (0.0, 0.6667, 0.8571, 0.8889, 0.9091, 1.0, 1.0, 1.0, 1.0, 1.0, 1.037, 1.0714, 1.0909, 1.1111, 1.64),
    },
    'vivado': {
        'dsp': (0.92, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0021, 1.0091),
        'bram18k': (0.9978, 0.9978, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'lut': (0.8137, 0.8194, 0.9758, 0.9832, 0.9869, 0.9944, 1.0353, 1.1146, 1.2225),
        'ff': (0.5965, 0.8944, 0.9821, 1.0023, 1.1016, 1.1455, 1.2721, 2.5957, 3.5614),
        'latency_cycles': (0.8182, 0.8571, 0.9286, 0.9545, 0.9706, 1.0, 1.0, 1.0, 1.0833),
    },
}
# fmt: on


def quantile(values: list[float] | tuple[float, ...], q: float) -> float:
    """Linear-interpolated quantile (numpy's default), without numpy (this runs per estimate)."""
    s = sorted(values)
    if not s:
        return 1.0
    pos = (len(s) - 1) * q
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _ratios(family: str, table: dict[str, dict[str, tuple[float, ...]]]) -> dict[str, tuple[float, ...]]:
    own = table.get(family, {})
    if own and min(len(v) for v in own.values()) >= MIN_FAMILY_DESIGNS:
        return own
    pooled: dict[str, list[float]] = {}
    for fam in sorted(table):
        if fam == FORCED:
            continue
        for q, vals in table[fam].items():
            pooled.setdefault(q, []).extend(vals)
    return {q: tuple(v) for q, v in pooled.items()}


@lru_cache(maxsize=256)
def band_factors(
    family: str, confidence: float, calibration: Calibration | None = None, forced: bool = False
) -> tuple[tuple[str, float, float], ...]:
    """((quantity, low, high), ...): real lies in [estimate*low, estimate*high] with ``confidence`` (two-sided).

    ``forced``: the build forces multiplier binding; its designs have their own ratios.
    """
    table = RATIOS
    if calibration is not None and calibration.ratios:
        table = {**RATIOS, **calibration.ratio_table()}
    ratios = _ratios(FORCED if forced and FORCED in table else family, table)
    a = (1.0 - confidence) / 2.0
    out = set()
    for q in BAND_QUANTITIES:
        vals = ratios.get(q)
        if not vals:
            continue
        lo, hi = quantile(vals, a), quantile(vals, 1.0 - a)
        out.add((q, round(min(lo, 1.0), 4), round(max(hi, 1.0), 4)))
    return tuple(sorted(out))


@dataclass(frozen=True)
class Calibration:
    """Rule values fitted on a user's reports (``rules``: (family, rule, value)) and their ratios."""

    rules: tuple[tuple[str, str, float], ...] = ()
    ratios: tuple[tuple[str, str, tuple[float, ...]], ...] = ()
    designs: tuple[str, ...] = ()

    def rules_for(self, family: str) -> dict[str, float]:
        return {k: v for fam, k, v in self.rules if fam == family}

    def ratio_table(self) -> dict[str, dict[str, tuple[float, ...]]]:
        out: dict[str, dict[str, tuple[float, ...]]] = {}
        for fam, q, vals in self.ratios:
            out.setdefault(fam, {})[q] = vals
        return out

    def to_json(self) -> str:
        doc = {
            "format": CALIBRATION_FORMAT,
            "designs": list(self.designs),
            "rules": [{"tool_family": f, "rule": k, "value": v} for f, k, v in self.rules],
            "ratios": [{"tool_family": f, "quantity": q, "real_over_estimate": list(v)} for f, q, v in self.ratios],
        }
        return json.dumps(doc, indent=1, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: str | Path) -> Calibration:
        from fpga_prune.estimate.rules import RULES  # noqa: PLC0415  (rules import bands' factors)
        from fpga_prune.estimate.tools import TOOL_FAMILIES  # noqa: PLC0415

        p = Path(path)
        doc = read_json_object(p)
        if doc.get("format") != CALIBRATION_FORMAT:
            raise InputError(p, "format", f"expected {CALIBRATION_FORMAT!r}, got {doc.get('format')!r}")
        rules = []
        for i, item in enumerate(doc.get("rules", [])):
            fam, key, val = item.get("tool_family"), item.get("rule"), item.get("value")
            if fam not in TOOL_FAMILIES:
                raise InputError(p, f"rules[{i}].tool_family", f"{fam!r} is not one of {', '.join(TOOL_FAMILIES)}")
            if key not in RULES:
                raise InputError(p, f"rules[{i}].rule", f"unknown rule {key!r}")
            if (
                not isinstance(val, (int, float))
                or isinstance(val, bool)
                or not math.isfinite(val)
                or (val < 0 and key != "cal_latency")
            ):
                raise InputError(p, f"rules[{i}].value", f"must be a non-negative number, got {val!r}")
            rules.append((fam, key, float(val)))
        ratios = []
        for i, item in enumerate(doc.get("ratios", [])):
            fam, q, vals = item.get("tool_family"), item.get("quantity"), item.get("real_over_estimate")
            if (
                fam not in (*TOOL_FAMILIES, FORCED)
                or q not in BAND_QUANTITIES
                or not isinstance(vals, list)
                or not all(isinstance(v, (int, float)) and v >= 0 for v in vals)
            ):
                raise InputError(p, f"ratios[{i}]", "needs tool_family, quantity and a list of non-negative ratios")
            ratios.append((fam, q, tuple(float(v) for v in vals)))
        return cls(tuple(rules), tuple(ratios), tuple(str(d) for d in doc.get("designs", [])))
