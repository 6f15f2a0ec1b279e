"""Error bands of the estimator and user calibrations, as data.

Why ratios real/estimate: the residuals of ``fpga_prune.estimate`` on real
csynth reports scale with the design, so a band is a pair of factors
(quantiles of real/estimate) applied to any estimate.  ``RATIOS`` holds, per
HLS tool family (``FORCED`` for builds with forced multiplier binding) and
quantity, the leave-one-design-out ratios real/estimate of every design of
``../shared/vitis-calibration`` (written by
``PYTHONPATH=. python bench/bench_estimator.py --write-bands``: each design is
estimated with the rules fitted on the others, its real csynth total divided
by that estimate, rounded to 4 decimals).  A family with fewer than
``MIN_FAMILY_DESIGNS`` designs borrows the pooled ratios of all plain families
(Vitis 2022+ has one public design with weights so far).

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
        'dsp': (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'bram18k': (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'lut': (0.8466, 0.8611, 0.8909, 0.9164, 0.919, 0.9254, 0.9401, 0.946, 0.9679, 1.0139, 1.0189, 1.0203, 1.0528, 1.0534, 1.0651, 1.1508, 1.2128, 1.217, 1.2214),
        'ff': (0.4527, 0.5112, 0.6434, 0.7409, 0.767, 0.7748, 0.8323, 0.9458, 0.9488, 1.0199, 1.0326, 1.0583, 1.0939, 1.0983, 1.1213, 1.3036, 1.3064, 1.3086, 1.4891),
        'latency_cycles': (0.6897, 0.7586, 0.8182, 0.8205, 0.8788, 0.8837, 0.9231, 0.9302, 0.9375, 0.9818, 1.0943, 2.0732, 2.1707, 2.3714, 2.4857, 5.7692, 5.8718, 6.5588, 6.6765),
    },
    'vitis': {
        'dsp': (1.0,),
        'bram18k': (1.0,),
        'lut': (0.9596,),
        'ff': (0.9956,),
        'latency_cycles': (1.0,),
    },
    'vivado': {
        'dsp': (0.92, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0021, 1.0091),
        'bram18k': (0.9978, 0.9978, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'lut': (0.9232, 0.9297, 1.0757, 1.1281, 1.1475, 1.1561, 1.1693, 1.3105, 1.4375),
        'ff': (0.6028, 0.8764, 0.9497, 0.9969, 1.0029, 1.0775, 1.1878, 1.2197, 1.9573),
        'latency_cycles': (0.9, 0.9231, 0.9545, 0.9706, 1.0, 1.0, 1.0, 1.0833, 1.1304),
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
def band_factors(family: str, confidence: float, calibration: Calibration | None = None, forced: bool = False
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
        doc = {"format": CALIBRATION_FORMAT, "designs": list(self.designs),
               "rules": [{"tool_family": f, "rule": k, "value": v} for f, k, v in self.rules],
               "ratios": [{"tool_family": f, "quantity": q, "real_over_estimate": list(v)} for f, q, v in self.ratios]}
        return json.dumps(doc, indent=1, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: str | Path) -> Calibration:
        from fpga_prune.estimate_rules import RULES
        from fpga_prune.hls_tools import TOOL_FAMILIES

        p = Path(path)
        try:
            doc = json.loads(p.read_text())
        except (OSError, ValueError) as exc:
            raise InputError(p, None, f"not a readable calibration JSON ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != CALIBRATION_FORMAT:
            raise InputError(p, "format", f"expected {CALIBRATION_FORMAT!r}, got {doc.get('format') if isinstance(doc, dict) else doc!r}")
        rules = []
        for i, item in enumerate(doc.get("rules", [])):
            fam, key, val = item.get("tool_family"), item.get("rule"), item.get("value")
            if fam not in TOOL_FAMILIES:
                raise InputError(p, f"rules[{i}].tool_family", f"{fam!r} is not one of {', '.join(TOOL_FAMILIES)}")
            if key not in RULES:
                raise InputError(p, f"rules[{i}].rule", f"unknown rule {key!r}")
            if not isinstance(val, (int, float)) or isinstance(val, bool) or not math.isfinite(val) or \
                    (val < 0 and key != "cal_latency"):
                raise InputError(p, f"rules[{i}].value", f"must be a non-negative number, got {val!r}")
            rules.append((fam, key, float(val)))
        ratios = []
        for i, item in enumerate(doc.get("ratios", [])):
            fam, q, vals = item.get("tool_family"), item.get("quantity"), item.get("real_over_estimate")
            if fam not in (*TOOL_FAMILIES, FORCED) or q not in BAND_QUANTITIES or not isinstance(vals, list) or \
                    not all(isinstance(v, (int, float)) and v >= 0 for v in vals):
                raise InputError(p, f"ratios[{i}]", "needs tool_family, quantity and a list of non-negative ratios")
            ratios.append((fam, q, tuple(float(v) for v in vals)))
        return cls(tuple(rules), tuple(ratios), tuple(str(d) for d in doc.get("designs", [])))
