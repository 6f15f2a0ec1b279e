"""Yosys counts: the cell -> resource mapping and the budget rows as unit tests, one real synthesis."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from fpga_prune.boards import load_board
from fpga_prune.rtl.yosys import budget_rows, count_xilinx, yosys_budget, yosys_counts
from fpga_prune.testing import synthetic_network


def test_xilinx_cells_map_to_resources():
    cells = {
        "LUT2": 3,
        "LUT6": 5,
        "LUT6_2": 1,
        "FDRE": 10,
        "FDSE": 2,
        "FDCE_1": 1,
        "CARRY4": 4,
        "DSP48E1": 2,
        "RAMB18E1": 1,
        "RAMB36E1": 2,
        "RAM32M": 3,
        "MUXF7": 9,
        "IBUF": 20,
    }
    counts = count_xilinx(cells, "xc7")
    assert {k: counts[k] for k in ("lut", "ff", "dsp", "bram18k", "lutram_cells", "carry4")} == {
        "lut": 9,
        "ff": 13,
        "dsp": 2,
        "bram18k": 1 + 2 * 2,
        "lutram_cells": 3,
        "carry4": 4,
    }
    assert counts["family"] == "xc7" and list(counts["cells"]) == sorted(cells)


def test_budget_rows_put_yosys_beside_estimate_and_measurements():
    budget = {
        "resources": {
            "lut": {"used": 900, "allowed": 1000, "available": 2000},
            "bram18k": {"used": 1, "allowed": 2, "available": 4},
            "uram": {"used": 0, "allowed": 0, "available": 0},
        },
        "measured": {"csynth": {"lut": 950}, "vivado": {"bram18k": 2}},
        "yosys": {"lut": 870, "bram18k": 1, "ff": 140},
    }
    rows = {r["resource"]: r for r in budget_rows(budget)}
    assert rows["lut"] == {
        "resource": "lut",
        "estimate": 900,
        "allowed": 1000,
        "available": 2000,
        "csynth": 950,
        "vivado": None,
        "yosys": 870,
    }
    assert rows["bram18k"]["yosys"] == 1 and rows["bram18k"]["vivado"] == 2
    assert rows["uram"]["yosys"] is None  # yosys maps no UltraRAM
    assert budget_rows(None) == [] and budget_rows({"resources": None}) == []


def test_unknown_family_lists_valid_ones(tmp_path):
    with pytest.raises(ValueError, match="valid: .*xc7"):
        yosys_counts(tmp_path, "stratix10")


@pytest.mark.slow
def test_yosys_synthesizes_the_rendered_rtl(tmp_path):
    """``generate --yosys``: a real synth_xilinx run for the board's family."""
    board = load_board("pynq-z2")  # family "7series" -> synth_xilinx -family xc7
    small = synthetic_network(0, n_in=4, hidden=(6,), sparsity=0.5)
    sig = SimpleNamespace(input_name="dense_input", output_name="layer5_out")  # generate.TopSignature's names
    counts = yosys_budget(small, sig, board, "myproject", tmp_path)
    assert counts["family"] == "xc7" and counts["board_family"] == "7series"
    # the sigmoid table (1024 x 10 bit) becomes one 18k block RAM; the 130-odd
    # pipeline registers are flip-flops; constant multipliers become LUT/carry or DSP
    assert counts["bram18k"] == 1 and 100 <= counts["ff"] <= 200 and counts["lut"] > 20
