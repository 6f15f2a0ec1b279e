"""Estimator accuracy on every real csynth report of ../shared/vitis-calibration, and its speed; prints JSON.

For each design: import it (``fpga_prune.hls.project``), estimate it with the
per-family corrections fitted on every OTHER design (leave-one-design-out,
``fpga_prune.hls.calibration.leave_one_out``), compare with its csynth report.
Per group and quantity: median and 90th percentile of |estimate/real - 1|
(latency: also the share of designs within 1 cycle; BRAM: the share exact).
Groups: plain Vitis HLS 2022+, plain Vivado HLS 2019-2020, forced multiplier
binding (``config_op mul -impl``, Vitis 2021), Resource-strategy single layers.

Speed: estimates/s for the default 16-64-32-1 model (ap_fixed<16,6>, 50% zeros).

``--extra DIR...`` adds synthesized hls4ml projects kept outside the repository
(public designs found with the search tools: their firmware and csynth reports,
never committed); they are reported in groups of their own (``external_*``,
HGQ designs with per-element quantizers apart) and join the band ratios.
Every group is reported twice: ``groups`` with the leave-one-out corrections,
``shipped`` with the rules as they ship (no correction: what a user gets).

``--write-bands`` rewrites ``RATIOS`` in fpga_prune/estimate/bands.py with the
ratios real/estimate of the shipped rules (no correction) on every design.  Run from the checkout root:
``PYTHONPATH=. python bench/bench_estimator.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
from pathlib import Path

from fpga_prune.arith.ir import FixedNetwork
from fpga_prune.boards import load_board
from fpga_prune.errors import InputError
from fpga_prune.estimate.bands import BAND_QUANTITIES, quantile
from fpga_prune.hls.calibration import leave_one_out, observe, predict, ratio_table

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = REPO.parent / "shared" / "vitis-calibration"
QUANTITIES = ("dsp", "bram18k", "lut", "ff", "latency_cycles", "interval_cycles")


def group(obs, external: bool = False) -> str:
    if external:
        hgq = any(getattr(lay, "activation", "") == "quantizer" for lay in obs.project.network.layers)
        return "external_hgq" if hgq else "external_" + group(obs)
    if obs.scope == "layer":
        return "resource_single_layers"
    if obs.nondefault:
        return "forced_multipliers_vitis2021"
    return {"vitis": "plain_vitis_2022+", "vivado": "plain_vivado_2019-2020"}.get(obs.family, "plain_vitis_2021")


def default_model() -> FixedNetwork:
    """The default 16-64-32-1 model's shape (bench_estimate.model: 50% zeros, ap_fixed<16,6>)."""
    from bench_estimate import model

    return model(n_in=16, units=(64, 32, 1), name="default_16_64_32_1")


def speed(seconds: float = 1.5) -> float:
    from bench_estimate import rate

    return rate(default_model(), load_board("pynq-z2"), seconds)[0]


def write_bands(table: dict) -> None:
    path = REPO / "fpga_prune" / "estimate_bands.py"
    text = path.read_text()
    body = "RATIOS: dict[str, dict[str, tuple[float, ...]]] = {\n"
    for fam, qs in table.items():
        body += f"    {fam!r}: {{\n"
        for q in BAND_QUANTITIES:
            if q in qs:
                body += f"        {q!r}: {tuple(qs[q])!r},\n"
        body += "    },\n"
    body += "}\n"
    new = re.sub(
        r"RATIOS: dict\[str, dict\[str, tuple\[float, \.\.\.\]\]\] = \{(?:\}|.*?\n\})\n",
        lambda m: body,
        text,
        count=1,
        flags=re.S,
    )
    path.write_text(new)


def summarize(rows: list[tuple[str, dict, dict]]) -> dict:
    """Per group: median and 90th percentile |estimate/real - 1|, latency within 1 cycle, BRAM exact."""
    groups: dict[str, dict[str, list[float]]] = {}
    lat_ok: dict[str, list[bool]] = {}
    bram_ok: dict[str, list[bool]] = {}
    for g, real, pred in rows:
        for q in QUANTITIES:
            if real[q] == 0:
                err = 0.0 if pred[q] == 0 else 1.0
            else:
                err = abs(pred[q] / real[q] - 1)
            groups.setdefault(g, {}).setdefault(q, []).append(err)
        lat_ok.setdefault(g, []).append(abs(pred["latency_cycles"] - real["latency_cycles"]) <= 1)
        bram_ok.setdefault(g, []).append(pred["bram18k"] == real["bram18k"])
    summary = {}
    for g, qs in sorted(groups.items()):
        summary[g] = {
            "designs": len(lat_ok[g]),
            "latency_within_1_cycle": round(sum(lat_ok[g]) / len(lat_ok[g]), 3),
            "bram18k_exact": round(sum(bram_ok[g]) / len(bram_ok[g]), 3),
        }
        for q, errs in qs.items():
            summary[g][q] = {
                "median_abs_err": round(statistics.median(errs), 3),
                "p90_abs_err": round(quantile(errs, 0.9), 3),
            }
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write-bands", action="store_true")
    ap.add_argument(
        "--extra",
        nargs="*",
        default=[],
        metavar="DIR",
        help="synthesized hls4ml projects outside the repository to add",
    )
    args = ap.parse_args()
    obs, skipped, external = [], {}, set()
    dirs = [(d, False) for d in sorted(p.parent for p in CALIBRATION.glob("*/design.json"))]
    dirs += [(Path(d), True) for d in sorted(args.extra)]
    for d, ext in dirs:
        try:
            obs.append(observe(d))
        except InputError as exc:
            skipped[d.name] = str(exc).split(": ", 1)[-1]
            continue
        if ext:
            external.add(obs[-1].name)
    loo = leave_one_out(obs)
    per_design = {o.name: {q: [round(pred[q]), round(real[q])] for q in QUANTITIES} for o, real, pred in loo}
    summary = summarize([(group(o, o.name in external), real, pred) for o, real, pred in loo])
    shipped = summarize([(group(o, o.name in external), o.real_dict(), predict(o)) for o in obs])
    # the shipped band: real / shipped estimate (the rules were fitted on these designs: in-sample)
    table = ratio_table([(o, o.real_dict(), predict(o)) for o in obs])
    if args.write_bands:
        write_bands(table)
    out = {
        "benchmark": "estimator_accuracy",
        "calibration_dir": str(CALIBRATION),
        "designs": len(obs),
        "external_designs": sorted(external),
        "skipped": skipped,
        "method": "leave-one-design-out: per-family cal_* corrections fitted on the others",
        "groups": summary,
        "shipped": shipped,
        "per_design_estimate_vs_real": per_design,
        "estimates_per_s_default_16_64_32_1": round(speed(), 1),
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
