"""``fpga-prune run --objective resources`` against ``--strategy latency``: time, memory, cost; prints JSON.

Issue 22's targets, measured (never a timed test): the resources run answers in <= 90 s wall at <= 2 GB
peak RSS on 2 cores; its design costs <= 0.5x the ``--strategy latency`` run's (LUT-equivalent: LUT +
100 DSP + 200 BRAM_18K, ``search.cost.lut_equivalent``) at test retention >= 0.98 with 0 mismatches in
every check.  Both runs start from the same trained model (trained once here, not timed) and data.

    python bench/bench_resources_run.py [--data CSV|sample:NAME] [--model DIR] [--board pynq-z2] [--out FILE]

The first DA solve of a fresh install compiles da4ml's numba kernels (1-3 min, once per install;
``.ci/setup`` does it): run it once before measuring, as a user's second run would see.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import emit, measure


def _summary(run_dir: Path) -> dict:
    budget = json.loads((run_dir / "pruned" / "budget.json").read_text())
    verify = json.loads((run_dir / "project" / "verify.json").read_text())
    checks = verify["checks"]
    return {
        "design": budget["design"]["describe"],
        "lut_equivalent": budget["design"]["lut_equivalent"],
        "dsp": budget["design"]["dsp"],
        "lut": budget["design"]["lut"],
        "test_retention": budget["accuracy"]["retention"],
        "costing": budget.get("costing"),
        "checks": len(checks),
        "vectors": verify["vectors"],
        "mismatches": verify["mismatches"],
        "all_checks_passed": bool(verify["ok"]) and all(c["passed"] for c in checks),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="sample:btcusdt-5m", help="candles (default: the built-in sample)")
    ap.add_argument("--model", type=Path, help="a trained bundle (default: train one here, untimed)")
    ap.add_argument("--board", default="pynq-z2")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    cli = shutil.which("fpga-prune") or "fpga-prune"
    work = Path(tempfile.mkdtemp(prefix="fpga_prune_bench_res_"))
    try:
        model = args.model
        if model is None:
            model = work / "model"
            trained = measure([cli, "train", "--data", args.data, "--out", str(model), "--quiet"], parse_json=False)
            if trained["exit"]:
                emit({"error": trained}, args.out)
                return 1
        common = ["--board", args.board, "--data", args.data, "--model", str(model), "--quiet"]
        runs = {
            "resources": measure(
                [cli, "run", *common, "--objective", "resources", "--out", str(work / "res")], parse_json=False
            ),
            "latency": measure(
                [cli, "run", *common, "--strategy", "latency", "--out", str(work / "lat")], parse_json=False
            ),
        }
        for name, rec in runs.items():
            if rec["exit"] == 0:
                rec.update(_summary(work / ("res" if name == "resources" else "lat")))
        res, lat = runs["resources"], runs["latency"]
        ratio = (
            round(res["lut_equivalent"] / lat["lut_equivalent"], 4)
            if "lut_equivalent" in res and "lut_equivalent" in lat
            else None
        )
        doc = {
            "board": args.board,
            "data": args.data,
            "runs": runs,
            "cost_ratio_resources_over_latency": ratio,
            "targets": {
                "wall_s<=90": res["seconds"] <= 90,
                "peak_rss_mib<=2048": res["peak_rss_mib"] <= 2048,
                "cost_ratio<=0.5": ratio is not None and ratio <= 0.5,
                "test_retention>=0.98": res.get("test_retention", 0) >= 0.98,
                "0_mismatches": res.get("mismatches") == 0 and bool(res.get("all_checks_passed")),
            },
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    emit(doc, args.out)
    return 0 if all(doc["targets"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
