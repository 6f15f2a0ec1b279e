"""The io_stream FIFO rules (``estimate.stream.fifo_cost``) against the FIFO tables of real csynth reports; prints JSON.

    python bench/bench_stream_fifos.py REPORT.rpt[:TOOL] ...

Each REPORT is a top's ``myproject_csynth.rpt`` from a public hls4ml io_stream project (kept outside this
repository), TOOL its HLS tool (``vitis-2023.1``, ``vivado-2020.1``; default: read from the report).  For each FIFO
of the report's ``* FIFO:`` table (name, BRAM_18K, FF, LUT, depth, bits): the rules' BRAM_18K and FF and the
difference; LUTs only as the table's total (csynth leaves the per-FIFO column 0).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from fpga_prune.boards import board_for_part
from fpga_prune.estimate.context import Context, EstimateOptions
from fpga_prune.estimate.stream import fifo_cost


def fifo_rows(text: str) -> tuple[list[dict], dict]:
    """The FIFO table of a csynth report: one dict a FIFO, and its Total row."""
    sec = text[text.index("* FIFO:") :]
    sec = sec[: sec.index("\n\n")]
    rows, total = [], {}
    for line in sec.splitlines():
        f = [x.strip() for x in line.split("|")]
        if len(f) < 9 or not f[1] or f[1] == "Name":
            continue
        num = [int(x) if x.isdigit() else 0 for x in f[2:8]]
        row = {"name": f[1], "bram": num[0], "ff": num[1], "lut": num[2], "depth": num[4]}
        row["bits"] = num[5]
        (total.update(row) if f[1] == "Total" else rows.append(row))
    return rows, total


def compare(report: Path, tool: str | None) -> dict:
    text = report.read_text(errors="replace")
    if tool is None:
        m = re.search(r"\* Version:\s+(\d{4}\.\d)", text)
        kind = "vivado" if "Vivado HLS Report" in text else "vitis"
        tool = f"{kind}-{m.group(1) if m else '2023.1'}"
    ctx = Context(board_for_part("xc7z020clg400-1", 5.0), EstimateOptions(hls_tool=tool))
    rows, total = fifo_rows(text)
    out = []
    for r in rows:
        bram, lut, ff = fifo_cost(r["depth"], r["bits"], ctx)
        out.append({**r, "est_bram": bram, "est_ff": ff, "est_lut": lut})
    lut_line = re.search(r"^\|FIFO\s*\|\s*(\S+)\|\s*(\S+)\|\s*(\S+)\|\s*(\S+)\|", text, re.M)
    return {
        "tool": tool,
        "fifos": len(out),
        "bram_exact": sum(o["bram"] == o["est_bram"] for o in out),
        "bram_real": sum(o["bram"] for o in out),
        "bram_est": sum(o["est_bram"] for o in out),
        "ff_real": sum(o["ff"] for o in out),
        "ff_est": sum(o["est_ff"] for o in out),
        "ff_max_abs_error": max((abs(o["ff"] - o["est_ff"]) for o in out), default=0),
        "lut_real_total": int(lut_line.group(4).replace("-", "0")) if lut_line else None,
        "lut_est_total": sum(o["est_lut"] for o in out),
        "total_row": total,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="+")
    args = ap.parse_args()
    res = {}
    for spec in args.reports:
        path, _, tool = spec.partition(":")
        res[path] = compare(Path(path), tool or None)
    print(json.dumps({"benchmark": "stream_fifo_rules", "reports": res}, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
