"""The files of ``--interface axi-lite``: the HLS top on AXI-Lite registers, its C simulation and word files, its
Vitis script, the Verilog wrapper of our RTL, the Vivado block design and bitstream scripts and the PYNQ driver.

Why one module: ``generate`` adds these files only for axi-lite (``--interface none`` writes today's project byte
for byte), and what they share -- the word format (``arith.axis`` on 32-bit words, the s_axilite data width) and
the register map (``arith.axil``) -- is decided once here and written into ``axil.json``.  The word files, their
reader and the word-by-word comparison are the AXI-Stream wrapper's (``hls.axis_project``), a sample a call; the
Vitis and Vivado scripts are the AXI-Stream route's templates without the DMA.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fpga_prune.arith import axis, fixed
from fpga_prune.arith.axil import AP_DONE, AP_START, WORD_BITS, RegisterMap, register_map
from fpga_prune.errors import InputError
from fpga_prune.estimate.interface import network_bus_format
from fpga_prune.hls.axis_project import word_lines
from fpga_prune.outdir import json_text

if TYPE_CHECKING:
    import numpy as np

    from fpga_prune.arith.ir import FixedNetwork
    from fpga_prune.rtl.portmap import PortMap
    from fpga_prune.templating import TemplateContext

AXIL_FORMAT = "fpga_prune.axil/1"
IN_FILE = "tb_data/axil_in.dat"
EXPECTED_FILE = "tb_data/axil_expected.dat"
#: samples a call: one (the word files mark each sample's last word)
CSIM_BATCHES = (1,)
#: verbatim copies of the standalone modules the PYNQ driver imports (the AXI-Stream driver's, the same files)
DRIVER_AXIS = "driver/fpga_prune_axis.py"
DRIVER_FIXED = "driver/fpga_prune_fixed.py"
#: what the Vivado and Vitis scripts shared with the AXI-Stream route (``axis/build_axi``, ``bitstream``, ``ps``)
#: say of this one
SCRIPT_CONTEXT = {
    "dma": False,
    "make_ip": "hls-axil",
    "wrapper_what": "AXI-Lite top",
    "bus_name": "AXI-Lite",
    "tb_name": "tb_axil",
    "expected_words": EXPECTED_FILE,
}


@dataclass(frozen=True)
class AxilDesign:
    """What the AXI-Lite top of one project is: names, the word format and the register map."""

    top: str
    axil_top: str
    fmt: axis.BusFormat

    @property
    def regs(self) -> RegisterMap:
        return register_map(self.fmt.input.words_per_sample, self.fmt.output.words_per_sample)

    def input_offsets(self) -> tuple[int, ...]:
        """The byte offset of each input word of a sample (the x window's first words)."""
        return self.regs.x.offsets()[: self.fmt.input.words_per_sample]

    def output_offsets(self) -> tuple[int, ...]:
        """The byte offset of each result word."""
        return self.regs.y.offsets()[: self.fmt.output.words_per_sample]

    def to_dict(self) -> dict[str, object]:
        return {
            "format": AXIL_FORMAT,
            "top": self.top,
            "axil_top": self.axil_top,
            "bus": self.fmt.to_dict(),
            "registers": self.regs.to_dict(),
            "input_offsets": list(self.input_offsets()),
            "output_offsets": list(self.output_offsets()),
            "control_bits": {"ap_start": AP_START, "ap_done": AP_DONE},
            "files": {"input_words": IN_FILE, "expected_words": EXPECTED_FILE},
        }

    def to_json(self) -> str:
        return json_text(self.to_dict(), indent=1)


def read_axil_design(path: Path) -> AxilDesign:
    """A project's ``axil.json`` back (one-line ``InputError`` naming the file when it is not one)."""
    try:
        doc = json.loads(path.read_text())
        if doc.get("format") != AXIL_FORMAT:
            raise ValueError(f"format is not {AXIL_FORMAT}")
        bus = doc["bus"]
        layouts = [
            axis.Layout(*(bus[d][k] for k in ("n", "width", "signed", "word_bits"))) for d in ("input", "output")
        ]
        return AxilDesign(str(doc["top"]), str(doc["axil_top"]), axis.BusFormat(*layouts))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, None, f"not an fpga_prune axil.json: {exc}") from None


def axil_design(network: FixedNetwork, top: str) -> AxilDesign:
    """The word format of ``network``'s input and output types on the 32-bit s_axilite words (``InputError`` for a
    type wider than 32 bits: it has no lane in a register word)."""
    for what, t in (("input", network.input_type), ("output", network.output_type)):
        if t.width > WORD_BITS:
            raise InputError(
                "--interface",
                None,
                f"axi-lite packs values into {WORD_BITS}-bit registers; the {what} type {t} is wider",
            )
    return AxilDesign(top, f"{top}_axil", network_bus_format(network, WORD_BITS))


def axil_files(
    design: AxilDesign, x_raw: np.ndarray, expected_raw: np.ndarray, ports: PortMap | None, ctx: TemplateContext
) -> dict[str, str]:
    """Relative path -> text of every axi-lite file; ``ctx`` is the project's template context."""
    from fpga_prune.rtl.axil import render_axil_wrapper  # noqa: PLC0415
    from fpga_prune.templating import render  # noqa: PLC0415

    fin, fout = design.fmt.input, design.fmt.output
    a = design.axil_top
    lctx = {
        **ctx,
        "axil_top": a,
        "axi_top": a,  # the name the shared scripts use
        "fmt": design.fmt.to_dict(),
        "fin": fin.to_dict(),
        "fout": fout.to_dict(),
        "regs": design.regs.to_dict(),
        "x_offsets": list(design.input_offsets()),
        "y_offsets": list(design.output_offsets()),
        "ap_start": AP_START,
        "ap_done": AP_DONE,
        **SCRIPT_CONTEXT,
    }
    files = {
        f"firmware/{a}.h": render("axil/axil_top.h.j2", lctx),
        f"firmware/{a}.cpp": render("axil/axil_top.cpp.j2", lctx),
        "tb/tb_axil.cpp": render("axil/tb_axil.cpp.j2", lctx),
        "scripts/build_axil.tcl": render("axis/build_axi.tcl.j2", lctx),
        "scripts/block_design.tcl": render("axil/block_design.tcl.j2", lctx),
        "scripts/bitstream.tcl": render("axis/bitstream.tcl.j2", lctx),
        f"driver/{a}_driver.py": render("axil/driver.py.j2", lctx),
        # the driver's packing and cast are fpga_prune's own modules, copied: the board needs no fpga_prune
        DRIVER_AXIS: Path(axis.__file__).read_text(encoding="utf-8"),
        DRIVER_FIXED: Path(fixed.__file__).read_text(encoding="utf-8"),
        IN_FILE: word_lines(x_raw, fin, CSIM_BATCHES),
        EXPECTED_FILE: word_lines(expected_raw, fout, CSIM_BATCHES),
        "axil.json": design.to_json(),
    }
    if ports is not None:
        for name, text in render_axil_wrapper(ports, design.fmt, a).items():
            files[f"rtl_axil/{name}"] = text
    return files
