"""The wrapper and AXI DMA rules (``estimate.interface``) against public reports; prints JSON.

    python bench/bench_interface.py [--csv bench/interface_reports.csv] [--ratios]

Each row of the CSV is a public report's figure (cited by repository, commit and path): a VivadoAccelerator
``myproject_axi`` wrapper (the top's csynth total minus its network instance's row), an AXI DMA or the block
design's interconnects (Vivado synthesis).  For each: the rules' estimate, the error and whether the rules were
fitted on it (``role``).  ``held_out`` summarises the rows the rules were not fitted on; ``--ratios`` prints the
``RATIOS`` table of ``estimate.interface`` (real/estimate on every row) instead.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
from pathlib import Path

from fpga_prune.boards import board_for_part
from fpga_prune.estimate.context import Context, EstimateOptions
from fpga_prune.estimate.interface import QUANTITIES, dma_channel, family_rules, vivado_accelerator_wrapper

CSV = Path(__file__).with_name("interface_reports.csv")


def estimate_row(row: dict[str, str]) -> dict[str, int]:
    """The rules' figures for one report row."""
    if row["kind"] == "wrapper":
        ctx = Context(board_for_part(row["part"], 5.0), EstimateOptions(hls_tool=row["tool"]))
        est = vivado_accelerator_wrapper(
            n_in=int(row["n_in"]),
            in_bits=int(row["in_bits"]),
            in_float=row["in_float"] == "1",
            n_out=int(row["n_out"]),
            out_bits=int(row["out_bits"]),
            out_float=row["out_float"] == "1",
            io_stream=row["io_type"] == "io_stream",
            ctx=ctx,
        )
        return est.totals()
    r = family_rules("vivado")
    if row["kind"] == "dma":
        parts = [dma_channel("ch", int(row["width"]), r) for _ in range(int(row["channels"]))]
        return {q: sum(getattr(p, q) for p in parts) for q in QUANTITIES}
    return {"lut": int(r["bd_interconnect_lut"]), "ff": int(r["bd_interconnect_ff"]), "bram18k": 0}


def compare(path: Path) -> dict:
    rows = []
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            est = estimate_row(row)
            out = {"name": row["name"], "kind": row["kind"], "repository": row["repository"], "role": row["role"]}
            for q in QUANTITIES:
                real = int(row[q]) if row[q] else None
                out[q] = {"real": real, "estimate": est[q]}
                if real is not None:
                    out[q]["error"] = round((est[q] - real) / real, 4) if real else (0.0 if est[q] == 0 else None)
                    out[q]["ratio"] = round(real / est[q], 4) if est[q] else (1.0 if real == 0 else None)
            rows.append(out)
    held = [r for r in rows if r["role"].startswith("held-out")]
    summary = {}
    for q in QUANTITIES:
        errs = [abs(r[q]["error"]) for r in held if r[q].get("error") is not None]
        summary[q] = {"n": len(errs), "median_abs_error": round(statistics.median(errs), 4) if errs else None}
    return {"benchmark": "interface_rules", "rows": rows, "held_out": summary}


def ratios(doc: dict) -> dict[str, list[float]]:
    """quantity -> sorted real/estimate over every row but the fitted interconnect (a constant read from one design)."""
    return {
        q: sorted(r[q]["ratio"] for r in doc["rows"] if r["kind"] != "interconnect" and r[q].get("ratio") is not None)
        for q in QUANTITIES
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=CSV)
    ap.add_argument("--ratios", action="store_true", help="print estimate.interface.RATIOS")
    args = ap.parse_args()
    doc = compare(args.csv)
    print(json.dumps(ratios(doc) if args.ratios else doc, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
