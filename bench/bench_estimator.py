"""Estimator accuracy on real csynth reports, in-sample and out of repository, and its speed; prints JSON.

Designs: every folder of ../shared/vitis-calibration plus ``--extra DIR...``
(synthesized hls4ml projects kept outside the repository: the public projects
of ``bench/external_designs.csv``, which names each one's repository, commit
and path; never committed).  Each design's source repository comes from its
``design.json`` or that list.

Why repositories: designs of one repository share an author's tool, part and
habits, and the rules were fitted on some of them, so leaving out one design
of a repository the rules saw says little about a project never seen.  Every
figure is reported per validation scheme:

- ``in_sample``: the rules as they ship (no correction), on every design.
- ``leave_one_design_out``: per-family ``cal_*`` corrections
  (``fpga_prune.hls.calibration.fit``) fitted on every other design.
- ``leave_one_repository_out``: corrections fitted on the other repositories
  only; the band of a design is built without its repository's ratios.
- ``leave_one_tool_family_out``: corrections and bands without the design's
  band family (a tool family never calibrated).
- ``held_out``: designs of repositories no rule of ``estimate.rules.RULES``
  cites (the rules were never fitted on them), with the rules as shipped.

Per scheme and group: median and 90th percentile of |estimate/real - 1| (DSP,
BRAM, LUT, FF, latency), latency within 1 cycle, BRAM exact; and the 0.9 band's
coverage: the share of (design, resource) pairs (DSP, BRAM, LUT, FF) whose
real figure lies inside the band, and of designs whose latency does.

Speed: estimates/s for the default 16-64-32-1 model (ap_fixed<16,6>, 50% zeros).

``--write-bands`` rewrites ``RATIOS`` and ``REPOSITORIES`` in
fpga_prune/estimate/bands.py (the shipped rules' ratios real/estimate on every
design); ``--out FILE`` writes the JSON there too.  Run from the checkout root:
``PYTHONPATH=.:bench python bench/bench_estimator.py --extra DIR... --out bench/results/estimator-latest.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import statistics
from collections.abc import Callable
from pathlib import Path

from fpga_prune.arith.ir import FixedNetwork
from fpga_prune.boards import load_board
from fpga_prune.errors import InputError
from fpga_prune.estimate.bands import BAND_QUANTITIES, UNCALIBRATED, family_factors, quantile
from fpga_prune.estimate.context import is_hgq
from fpga_prune.estimate.rules import RULES
from fpga_prune.hls.calibration import Observation, leave_group_out, leave_one_out, observe, predict

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = REPO.parent / "shared" / "vitis-calibration"
EXTERNAL = Path(__file__).resolve().parent / "external_designs.csv"
QUANTITIES = ("dsp", "bram18k", "lut", "ff", "latency_cycles", "interval_cycles")
RESOURCES = ("dsp", "bram18k", "lut", "ff")
CONFIDENCE = 0.9

Rows = list[tuple[Observation, dict[str, float], dict[str, float]]]


def group(obs: Observation) -> str:
    if not (obs.project.path / "design.json").is_file():  # not a calibration-set folder
        return "external_hgq" if is_hgq(obs.project.network) else "external_" + _plain(obs)
    return _plain(obs)


def _plain(obs: Observation) -> str:
    if obs.scope == "layer":
        return "resource_single_layers"
    if obs.nondefault:
        return "forced_multipliers_vitis2021"
    return {"vitis": "plain_vitis_2022+", "vivado": "plain_vivado_2019-2020"}.get(obs.family, "plain_vitis_2021")


def fit_repositories(obs: list[Observation]) -> set[str]:
    """Repositories the rules were fitted on: every calibration-set repository (RULES cite their folders) and
    every other one a rule's basis names (``owner/name``)."""
    text = " ".join(rule.basis for rule in RULES.values())
    out = set()
    for o in obs:
        if (o.project.path / "design.json").is_file() or o.repository in text:
            out.add(o.repository)
    return out


def default_model() -> FixedNetwork:
    """The default 16-64-32-1 model's shape (bench_estimate.model: 50% zeros, ap_fixed<16,6>)."""
    from bench_estimate import model

    return model(n_in=16, units=(64, 32, 1), name="default_16_64_32_1")


def speed(seconds: float = 1.5) -> float:
    from bench_estimate import rate

    return rate(default_model(), load_board("pynq-z2"), seconds)[0]


def ratio(real: float, pred: float) -> float | None:
    """real/estimate (a 0/0 pair is 1; x/0 has no ratio)."""
    if pred == 0:
        return 1.0 if real == 0 else None
    return real / pred


def ratio_rows(rows: Rows) -> list[tuple[str, str, str, float]]:
    """(repository, band family, quantity, real/estimate) of the shipped rules, one per design and quantity."""
    out = []
    for o, real, pred in rows:
        for q in BAND_QUANTITIES:
            r = ratio(real[q], pred[q])
            if r is not None:
                out.append((o.repository, o.band_family, q, round(r, 4)))
    return out


def tables(
    rr: list[tuple[str, str, str, float]], keep: Callable[[str, str], bool] = lambda repo, fam: True
) -> tuple[dict[str, dict[str, tuple[float, ...]]], dict[str, tuple[str, ...]]]:
    """(RATIOS-like table, REPOSITORIES-like table) of the ratio rows ``keep`` accepts."""
    table: dict[str, dict[str, list[float]]] = {}
    repos: dict[str, set[str]] = {}
    for repo, fam, q, r in rr:
        if keep(repo, fam):
            table.setdefault(fam, {}).setdefault(q, []).append(r)
            repos.setdefault(fam, set()).add(repo)
    return (
        {f: {q: tuple(sorted(v)) for q, v in sorted(qs.items())} for f, qs in sorted(table.items())},
        {f: tuple(sorted(v)) for f, v in sorted(repos.items())},
    )


def inside(real: float, pred: float, lo: float, hi: float) -> bool:
    """The band test of ``Estimate.bounds``: floor(est x low) <= real <= ceil(est x high)."""
    return math.floor(pred * lo + 1e-9) <= real <= math.ceil(pred * hi - 1e-9)


def coverage(rows: Rows, band_of: Callable[[Observation], dict[str, tuple[float, float]]]) -> dict:
    """Per group and overall: the share of (design, resource) pairs and of latencies inside each design's band."""
    res: dict[str, list[bool]] = {}
    lat: dict[str, list[bool]] = {}
    for o, real, pred in rows:
        band = band_of(o)
        for g in (group(o), "all", "repo:" + o.repository):
            for q in RESOURCES:
                lo, hi = band.get(q, (1.0, 1.0))
                res.setdefault(g, []).append(inside(real[q], pred[q], lo, hi))
            lo, hi = band.get("latency_cycles", (1.0, 1.0))
            lat.setdefault(g, []).append(inside(real["latency_cycles"], pred["latency_cycles"], lo, hi))
    out = {
        g: {
            "designs": len(lat[g]),
            "resource_pairs_inside": round(sum(res[g]) / len(res[g]), 3),
            "latency_inside": round(sum(lat[g]) / len(lat[g]), 3),
        }
        for g in sorted(res)
        if not g.startswith("repo:")
    }
    repos = [g for g in res if g.startswith("repo:")]
    out["each_repository_once"] = {  # the mean over repositories: 23 designs of one repository count once
        "repositories": len(repos),
        "resource_pairs_inside": round(statistics.mean(sum(res[g]) / len(res[g]) for g in repos), 3),
        "latency_inside": round(statistics.mean(sum(lat[g]) / len(lat[g]) for g in repos), 3),
    }
    return out


def summarize(rows: Rows) -> dict:
    """Per group and overall: median and 90th percentile |estimate/real - 1|, latency within 1 cycle, BRAM exact."""
    groups: dict[str, dict[str, list[float]]] = {}
    lat_ok: dict[str, list[bool]] = {}
    bram_ok: dict[str, list[bool]] = {}
    for o, real, pred in rows:
        for g in (group(o), "all", "repo:" + o.repository):
            for q in QUANTITIES:
                err = (0.0 if pred[q] == 0 else 1.0) if real[q] == 0 else abs(pred[q] / real[q] - 1)
                groups.setdefault(g, {}).setdefault(q, []).append(err)
            lat_ok.setdefault(g, []).append(abs(pred["latency_cycles"] - real["latency_cycles"]) <= 1)
            bram_ok.setdefault(g, []).append(pred["bram18k"] == real["bram18k"])
    summary: dict[str, dict] = {}
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
    repos = {g: summary.pop(g) for g in list(summary) if g.startswith("repo:")}
    summary["each_repository_once"] = {  # medians of the per-repository medians; mean share within 1 cycle
        "repositories": len(repos),
        "latency_within_1_cycle": round(statistics.mean(v["latency_within_1_cycle"] for v in repos.values()), 3),
        **{q: {"median_abs_err": round(statistics.median(v[q]["median_abs_err"] for v in repos.values()), 3)}
           for q in QUANTITIES},
    }  # fmt: skip
    return summary


def write_bands(table: dict, repos: dict) -> None:
    path = REPO / "fpga_prune" / "estimate" / "bands.py"
    text = path.read_text()
    body = "RATIOS: dict[str, dict[str, tuple[float, ...]]] = {\n"
    for fam, qs in table.items():
        body += f"    {fam!r}: {{\n"
        for q in BAND_QUANTITIES:
            if q in qs:
                body += f"        {q!r}: {tuple(qs[q])!r},\n"
        body += "    },\n"
    body += "}\n"
    body += "#: band family -> the source repositories of its ratios (owner/name).\n"
    body += "REPOSITORIES: dict[str, tuple[str, ...]] = {\n"
    body += "".join(f"    {fam!r}: {tuple(r)!r},\n" for fam, r in repos.items())
    body += "}\n"
    new, n = re.subn(
        r"RATIOS: dict\[str, dict\[str, tuple\[float, \.\.\.\]\]\] = \{.*?\nREPOSITORIES: .*?\n\}\n",
        lambda m: body,
        text,
        count=1,
        flags=re.S,
    )
    if n != 1:
        new, n = re.subn(r"RATIOS: dict.*?\nREPOSITORIES: [^\n]*\n", lambda m: body, text, count=1, flags=re.S)
    if n != 1:
        raise SystemExit(f"RATIOS/REPOSITORIES not found in {path}")
    path.write_text(new)


def load(extra: list[str]) -> tuple[list[Observation], dict[str, str]]:
    sources = {}
    if EXTERNAL.is_file():
        with EXTERNAL.open() as f:
            sources = {row["name"]: row["repository"] for row in csv.DictReader(f)}
    obs, skipped = [], {}
    dirs = sorted(p.parent for p in CALIBRATION.glob("*/design.json")) + sorted(Path(d) for d in extra)
    for d in dirs:
        try:
            obs.append(observe(d, sources.get(d.name)))
        except InputError as exc:
            skipped[d.name] = str(exc).split(": ", 1)[-1]
    return obs, skipped


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--write-bands", action="store_true")
    ap.add_argument("--extra", nargs="*", default=[], metavar="DIR", help="synthesized hls4ml projects to add")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    args = ap.parse_args()
    obs, skipped = load(args.extra)
    shipped: Rows = [(o, o.real_dict(), predict(o)) for o in obs]
    rr = ratio_rows(shipped)
    if args.write_bands:
        write_bands(*tables(rr))
    all_table, all_repos = tables(rr)
    fitted = fit_repositories(obs)
    held = [row for row in shipped if row[0].repository not in fitted]
    all_repos_seen = sorted({o.repository for o in obs})

    def own_band(o: Observation) -> dict[str, tuple[float, float]]:
        return family_factors(o.band_family, CONFIDENCE, all_table, all_repos)

    def loro_band(o: Observation) -> dict[str, tuple[float, float]]:
        t, r = tables(rr, lambda repo, fam: repo != o.repository)
        return family_factors(o.band_family, CONFIDENCE, t, r)

    def lofo_band(o: Observation) -> dict[str, tuple[float, float]]:
        t, r = tables(rr, lambda repo, fam: fam != o.band_family)
        return family_factors(UNCALIBRATED, CONFIDENCE, t, r)  # an unknown family: the widest band

    schemes = {
        "in_sample": (shipped, own_band),
        "leave_one_design_out": (leave_one_out(obs), own_band),
        "leave_one_repository_out": (leave_group_out(obs, lambda o: o.repository), loro_band),
        "leave_one_tool_family_out": (leave_group_out(obs, lambda o: o.band_family), lofo_band),
        "held_out": (held, own_band),
    }
    out = {
        "benchmark": "estimator_accuracy",
        "calibration_dir": str(CALIBRATION),
        "designs": len(obs),
        "external_designs": sorted(o.name for o in obs if group(o).startswith("external_")),
        "repositories": {r: sorted(o.name for o in obs if o.repository == r) for r in all_repos_seen},
        "fit_repositories": sorted(fitted),
        "held_out_repositories": sorted({o.repository for o, _, _ in held}),
        "band_families": {f: list(r) for f, r in all_repos.items()},
        "skipped": skipped,
        "confidence": CONFIDENCE,
        "accuracy": {name: summarize(rows) for name, (rows, _) in schemes.items() if rows},
        "band_coverage": {name: coverage(rows, band) for name, (rows, band) in schemes.items() if rows},
        "per_design_shipped_loro_real": {  # per quantity: [shipped rules, leave-one-repository-out, real]
            o.name: {q: [round(pred[q]), round(loro[q]), round(real[q])] for q in QUANTITIES}
            for (o, real, pred), (_, _, loro) in zip(shipped, schemes["leave_one_repository_out"][0])
        },
        "estimates_per_s_default_16_64_32_1": round(speed(), 1),
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }
    text = json.dumps(out, indent=1, sort_keys=True) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
