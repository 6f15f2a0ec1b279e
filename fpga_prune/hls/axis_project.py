"""The files of ``--interface axi-stream``: the HLS wrapper, its C simulation, its word files and its
Vitis script, the Verilog wrapper of our RTL, the Vivado block design and bitstream scripts and the
PYNQ driver.

Why one module: ``generate`` adds these files only for axi-stream (``--interface none`` writes today's
project byte for byte), and everything they share -- the bus format (``arith.axis``, sized by the board's
DMA width) and the batches the word files are cut into -- is decided once here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fpga_prune.arith import axis, fixed
from fpga_prune.errors import InputError
from fpga_prune.estimate.interface import network_bus_format
from fpga_prune.outdir import json_text

if TYPE_CHECKING:
    from fpga_prune.arith.ir import FixedNetwork
    from fpga_prune.boards import Board
    from fpga_prune.rtl.portmap import PortMap
    from fpga_prune.templating import TemplateContext

#: batch sizes (samples a transfer) the C simulation's word files are cut into, in turn: single
#: samples, odd sizes and large transfers
CSIM_BATCHES = (1, 2, 7, 64, 250)
AXIS_FORMAT = "fpga_prune.axis/1"
IN_FILE = "tb_data/axis_in.dat"
EXPECTED_FILE = "tb_data/axis_expected.dat"
#: what the Vivado and Vitis scripts the AXI-Lite top shares (``axis/build_axi``, ``bitstream``, ``ps``) say of this one
SCRIPT_CONTEXT = {
    "dma": True,
    "make_ip": "hls-axi",
    "wrapper_what": "AXI-Stream wrapper",
    "bus_name": "AXI-Stream",
    "tb_name": "tb_axi",
    "expected_words": EXPECTED_FILE,
}
#: verbatim copies of the standalone modules the PYNQ driver imports
DRIVER_AXIS = "driver/fpga_prune_axis.py"
DRIVER_FIXED = "driver/fpga_prune_fixed.py"


@dataclass(frozen=True)
class AxisDesign:
    """What the wrappers of one project are: names and the bus format."""

    top: str
    axi_top: str
    fmt: axis.BusFormat

    def to_json(self) -> str:
        return json_text(
            {
                "format": AXIS_FORMAT,
                "top": self.top,
                "axi_top": self.axi_top,
                "bus": self.fmt.to_dict(),
                "csim_batches": list(CSIM_BATCHES),
                "files": {"input_words": IN_FILE, "expected_words": EXPECTED_FILE},
            },
            indent=1,
        )


def read_axis_design(path: Path) -> AxisDesign:
    """A project's ``axis.json`` back (one-line ``InputError`` naming the file when it is not one)."""
    try:
        doc = json.loads(path.read_text())
        if doc.get("format") != AXIS_FORMAT:
            raise ValueError(f"format is not {AXIS_FORMAT}")
        bus = doc["bus"]
        layouts = [
            axis.Layout(*(bus[d][k] for k in ("n", "width", "signed", "word_bits"))) for d in ("input", "output")
        ]
        return AxisDesign(str(doc["top"]), str(doc["axi_top"]), axis.BusFormat(*layouts))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, None, f"not an fpga_prune axis.json: {exc}") from None


def compare_words(
    got: list[tuple[int, int]], want: list[tuple[int, int]], layout: axis.Layout
) -> tuple[int, list[int]]:
    """(samples whose words or TLAST differ, their indices); a missing or extra word counts its sample."""
    wps = layout.words_per_sample
    n = max(len(got), len(want)) // wps + (max(len(got), len(want)) % wps > 0)
    bad = [i for i in range(n) if got[i * wps : (i + 1) * wps] != want[i * wps : (i + 1) * wps]]
    return len(bad), bad


def axis_design(network: FixedNetwork, board: Board, top: str) -> AxisDesign:
    """The bus format on ``board``'s DMA width for ``network``'s input and output types."""
    if board.dma_width is None:
        raise ValueError(f"board {board.name} has no dma_width")
    fmt = network_bus_format(network, board.dma_width)
    return AxisDesign(top, f"{top}_axi", fmt)


def word_lines(raw: np.ndarray, layout: axis.Layout, sizes: tuple[int, ...]) -> str:
    """``<hex word> <tlast>`` a line: ``raw`` samples packed in transfers of ``sizes`` in turn."""
    lines = []
    digits = layout.word_bits // 4
    for start, stop in axis.batches(len(raw), sizes):
        ws = axis.words(axis.pack(raw[start:stop], layout), layout)
        lines += [f"{w:0{digits}x} {int(i == len(ws) - 1)}" for i, w in enumerate(ws)]
    return "".join(line + "\n" for line in lines)


def read_word_lines(text: str) -> list[tuple[int, int]]:
    """The (word, tlast) pairs of a word file (``ValueError`` naming the line when one is malformed)."""
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if len(parts) != 2 or parts[1] not in ("0", "1"):
            raise ValueError(f"line {i}: expected '<hex word> <0|1>', got {line!r}")
        out.append((int(parts[0], 16), int(parts[1])))
    return out


def axis_files(
    design: AxisDesign, x_raw: np.ndarray, expected_raw: np.ndarray, ports: PortMap | None, ctx: TemplateContext
) -> dict[str, str]:
    """Relative path -> text of every axi-stream file; ``ctx`` is the project's template context."""
    from fpga_prune.rtl.axis import render_axis_wrapper  # noqa: PLC0415
    from fpga_prune.templating import render  # noqa: PLC0415

    fin, fout = design.fmt.input, design.fmt.output
    actx = {
        **ctx,
        "axi_top": design.axi_top,
        "fmt": design.fmt.to_dict(),
        "fin": fin.to_dict(),
        "fout": fout.to_dict(),
        **SCRIPT_CONTEXT,
    }
    a = design.axi_top
    files = {
        f"firmware/{a}.h": render("axis/axi_top.h.j2", actx),
        f"firmware/{a}.cpp": render("axis/axi_top.cpp.j2", actx),
        "tb/tb_axi.cpp": render("axis/tb_axi.cpp.j2", actx),
        "tb/csim_include/ap_axi_sdata.h": render("axis/ap_axi_sdata.h.j2", actx),
        "scripts/build_axi.tcl": render("axis/build_axi.tcl.j2", actx),
        "scripts/block_design.tcl": render("axis/block_design.tcl.j2", actx),
        "scripts/bitstream.tcl": render("axis/bitstream.tcl.j2", actx),
        f"driver/{a}_driver.py": render("axis/driver.py.j2", actx),
        # the driver's packing and cast are fpga_prune's own modules, copied: the board needs no fpga_prune
        DRIVER_AXIS: Path(axis.__file__).read_text(encoding="utf-8"),
        DRIVER_FIXED: Path(fixed.__file__).read_text(encoding="utf-8"),
        IN_FILE: word_lines(x_raw, fin, CSIM_BATCHES),
        EXPECTED_FILE: word_lines(expected_raw, fout, CSIM_BATCHES),
        "axis.json": design.to_json(),
    }
    if ports is not None:
        for name, text in render_axis_wrapper(ports, design.fmt, a).items():
            files[f"rtl_axi/{name}"] = text
    return files
