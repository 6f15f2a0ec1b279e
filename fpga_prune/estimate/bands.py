"""Error bands of the estimator and user calibrations, as data.

Why ratios real/estimate: the residuals of ``fpga_prune.estimate.core`` on real
csynth reports scale with the design, so a band is a pair of factors
(quantiles of real/estimate) applied to any estimate.  ``RATIOS`` holds, per
band family (the HLS tool family; ``HGQ`` for networks with HGQ's per-element
quantizers and ``FORCED`` for builds with forced multiplier binding, whatever
the tool) and quantity, the ratios real/estimate of the shipped rules on every
design of ``../shared/vitis-calibration`` and the public projects listed in
``bench/external_designs.csv``, and ``REPOSITORIES`` the source repositories
they come from -- written by ``bench/bench_estimator.py --write-bands``,
rounded to 4 decimals.

Why the repositories: designs of one repository share an author's tool, part
and habits, so their residuals are not independent; a band fitted on a few
repositories is narrower than the spread on a repository never seen.  So a
band is the (1-c)/2 and (1+c)/2 quantiles of its family's ratios, widened in
log space by ``widening(k)`` for a family resting on k repositories (the
small-sample inflation, ``1 + SMALL_SAMPLE / sqrt(k)``).  The bench checks the
whole procedure leave-one-repository-out: the band built without a repository
must hold that repository's real figures (``band_coverage`` in
``bench/results/estimator-latest.json``).  A family with fewer than
``MIN_FAMILY_DESIGNS`` designs pools its ratios with every plain family's; a
tool version outside every calibrated family (``tools.is_calibrated``) gets
the widest band of all families.

``Calibration`` is what ``fpga-prune calibrate`` fits on a user's own reports:
rule values per tool family and the user's own ratios (which then replace the
shipped ones for that family, without widening: they describe the user's own
builds).
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
#: Key of the ratios of networks with HGQ's per-element quantizers (``quantizer`` layers), whatever the tool.
HGQ = "hgq"
#: Band key of a tool version outside every calibrated family: the widest band of all.
UNCALIBRATED = "uncalibrated"
#: Log-space widening of a family's band resting on k repositories: 1 + this / sqrt(k) (see the docstring).
#: Basis: ``bench/bench_estimator.py``'s leave-one-repository-out coverage of the 0.9 band (18 repositories,
#: each counted once): 0.5 held 82.5% of (design, resource) pairs, 0.75 84.5%, 1.0 86.2% -- the value
#: nearest the stated confidence without widening the bands of the many-repository families past use.
SMALL_SAMPLE = 1.0
CALIBRATION_FORMAT = "fpga_prune.calibration/1"

# fmt: off
#: band family -> quantity -> real/estimate ratios of the shipped rules; see the module docstring.
RATIOS: dict[str, dict[str, tuple[float, ...]]] = {
    'forced_mul_impl': {
        'dsp': (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'bram18k': (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'lut': (0.8583, 0.8738, 0.8744, 0.8887, 0.9326, 0.9468, 0.9503, 0.9518, 0.9534, 0.9709, 0.9959, 0.9976, 1.0046, 1.0236, 1.0388, 1.0562, 1.0774, 1.0868, 1.1319, 1.1587, 1.1629, 1.2228, 1.236),
        'ff': (0.7396, 0.7758, 0.8539, 0.8906, 0.8981, 0.9131, 1.0114, 1.0371, 1.039, 1.0735, 1.0899, 1.0929, 1.1153, 1.2754, 1.3861, 1.3902, 1.5289, 1.5367, 1.5968, 1.6094, 1.9164, 1.9262, 2.2226),
        'latency_cycles': (0.88, 0.9091, 0.9091, 0.9167, 0.9643, 0.9667, 0.9818, 0.9831, 1.0, 1.0, 1.0, 1.0, 1.0526, 1.0588, 1.125, 1.8936, 1.9767, 2.2308, 2.3714, 5.0889, 5.4878, 5.9737, 6.5588),
    },
    'hgq': {
        'dsp': (0.9836, 1.0, 1.0, 1.0, 1.0, 1.1905),
        'bram18k': (1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'lut': (1.0236, 1.0309, 1.0322, 1.0373, 1.141, 1.2751),
        'ff': (0.5757, 0.7005, 0.7483, 0.7755, 0.8869, 0.9049),
        'latency_cycles': (0.6667, 0.8571, 0.8889, 1.0, 1.0, 1.1111),
    },
    'vitis': {
        'dsp': (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'bram18k': (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
        'lut': (0.9499, 0.9596, 0.9603, 1.0151, 1.0151, 1.0486, 1.1394, 1.1522, 1.185, 1.3616),
        'ff': (0.8057, 0.8741, 0.936, 0.9382, 0.9382, 1.0127, 1.1399, 1.1662, 1.2688, 1.4872),
        'latency_cycles': (0.9091, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.037, 1.0714, 1.0909),
    },
    'vivado': {
        'dsp': (0.92, 0.9904, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0004, 1.0004, 1.0021, 1.0091, 1.0156),
        'bram18k': (0.8479, 0.9978, 0.9978, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 16.4468),
        'lut': (0.8137, 0.8194, 0.8224, 0.934, 0.9758, 0.9832, 0.9869, 0.9944, 1.0353, 1.0595, 1.082, 1.1146, 1.1738, 1.1897, 1.2225, 1.2278, 1.3969, 1.4334, 1.8175),
        'ff': (0.8475, 0.8501, 0.884, 0.9182, 0.9616, 0.9981, 0.9982, 1.0025, 1.1105, 1.1611, 1.1839, 1.1915, 1.2096, 1.2201, 1.2869, 1.3946, 1.4264, 1.4389, 1.9774),
        'latency_cycles': (0.3277, 0.75, 0.881, 0.9, 0.9091, 0.9231, 0.9545, 0.9706, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0488, 1.0833, 1.2, 1.4667, 16.6136),
    },
}
#: band family -> the source repositories of its ratios (owner/name).
REPOSITORIES: dict[str, tuple[str, ...]] = {
    'forced_mul_impl': ('ArgyKokk/hls4ml_MLP_estimator',),
    'hgq': ('Lrozzy/hls4ml-tutorial', 'Lrozzy/hls4ml_OpenML'),
    'vitis': ('Daniel-Alencar/LHC-anomaly-detector', 'Kenny-Jia/ToyVAE', 'Lrozzy/hls4ml_OpenML', 'MichalVarsanyi/FPGA-NN-Demo', 'Thifjj/Iris_hls4ml_pynqZ2', 'k-diep/CE6370', 'nrp-nautilus/6nrp-hls4ml'),
    'vivado': ('Gabriele-bot/ALVEO-PYNQ_ML', 'Hector-Plata/hls4ml-tutorial', 'Kenny-Jia/ToyVAE', 'astitwlathe/example-hls4ml', 'camillaMiao/Hls-and-bambu', 'fastmachinelearning/ml4quantum-release', 'mgrailoo/HLS4ML_Poisioned_CPP_HDL_9b_FashionMNIST', 'nicologhielmetti/hls4ml-pynq', 'uw-acme/HLS4ML_VS_MANUAL'),
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


def widening(n_repositories: int) -> float:
    """Log-space factor on a band resting on ``n_repositories`` source repositories (see the docstring)."""
    return 1.0 + SMALL_SAMPLE / math.sqrt(max(1, n_repositories))


def _pooled(table: dict[str, dict[str, tuple[float, ...]]]) -> dict[str, tuple[float, ...]]:
    pooled: dict[str, list[float]] = {}
    for fam in sorted(table):
        if fam == FORCED:
            continue
        for q, vals in table[fam].items():
            pooled.setdefault(q, []).extend(vals)
    return {q: tuple(v) for q, v in pooled.items()}


def family_factors(
    family: str,
    confidence: float,
    table: dict[str, dict[str, tuple[float, ...]]],
    repositories: dict[str, tuple[str, ...]],
) -> dict[str, tuple[float, float]]:
    """quantity -> (low, high) factors of ``family`` from a ratio ``table`` and its ``repositories``.

    The one band procedure: the shipped bands, a user's calibration and the bench's
    leave-one-repository-out check all call it.  A family without ``repositories``
    (a user's own ratios) is not widened.
    """
    if family == UNCALIBRATED:
        fams = sorted({*table, *repositories} - {UNCALIBRATED})
        each = [family_factors(f, confidence, table, repositories) for f in fams]
        return {
            q: (min(e[q][0] for e in each if q in e), max(e[q][1] for e in each if q in e))
            for q in BAND_QUANTITIES
            if any(q in e for e in each)
        }
    own = table.get(family, {})
    repos = set(repositories.get(family, ()))
    ratios = own
    if not own or min(len(v) for v in own.values()) < MIN_FAMILY_DESIGNS:
        ratios = _pooled(table)  # every plain family's ratios (this one's among them unless FORCED)
        if family == FORCED:
            ratios = {q: (*ratios.get(q, ()), *own.get(q, ())) for q in sorted({*ratios, *own})}
        repos |= {r for f, rs in repositories.items() if f != FORCED for r in rs}
    widen = widening(len(repos)) if repos else 1.0
    a = (1.0 - confidence) / 2.0
    out = {}
    for q in BAND_QUANTITIES:
        vals = ratios.get(q)
        if not vals:
            continue
        lo, hi = min(quantile(vals, a), 1.0), max(quantile(vals, 1.0 - a), 1.0)
        out[q] = (lo**widen if lo > 0 else 0.0, hi**widen)
    return out


def band_family(tool_family: str, calibrated: bool = True, forced: bool = False, hgq: bool = False) -> str:
    """The key of ``RATIOS`` a design's band comes from (the most specific that applies)."""
    if not calibrated:
        return UNCALIBRATED
    return FORCED if forced else HGQ if hgq else tool_family


@lru_cache(maxsize=256)
def band_factors(
    family: str, confidence: float, calibration: Calibration | None = None
) -> tuple[tuple[str, float, float], ...]:
    """((quantity, low, high), ...): real lies in [estimate*low, estimate*high] with ``confidence`` (two-sided).

    ``family``: a band family (``band_family``).  A user's calibration replaces the
    shipped ratios of the families it has ratios for.
    """
    table, repos = RATIOS, dict(REPOSITORIES)
    if calibration is not None and calibration.ratios:
        mine = calibration.ratio_table()
        table = {**RATIOS, **mine}
        for fam in mine:
            repos.pop(fam, None)
    factors = family_factors(family, confidence, table, repos)
    return tuple(sorted((q, round(lo, 4), round(hi, 4)) for q, (lo, hi) in factors.items()))


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
                fam not in (*TOOL_FAMILIES, FORCED, HGQ)
                or q not in BAND_QUANTITIES
                or not isinstance(vals, list)
                or not all(isinstance(v, (int, float)) and v >= 0 for v in vals)
            ):
                raise InputError(p, f"ratios[{i}]", "needs tool_family, quantity and a list of non-negative ratios")
            ratios.append((fam, q, tuple(float(v) for v in vals)))
        return cls(tuple(rules), tuple(ratios), tuple(str(d) for d in doc.get("designs", [])))
