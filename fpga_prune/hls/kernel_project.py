"""The files of ``--interface vitis-kernel``: the HLS kernel (m_axi buffers, s_axilite control), its C
simulation and word files, the ``v++`` link configuration and build script, the Verilog kernel wrapper of
our RTL and the pyxrt host.

Why one module: ``generate`` adds these files only for vitis-kernel (``--interface none`` writes today's
project byte for byte), and what they share -- the bus format (``arith.axis``, sized by the board's
``m_axi_width``: a buffer object holds the very bytes a DMA transfer would), the register map and the
batches the word files are cut into -- is decided once here.  The word files, their reader and the
word-by-word comparison are the AXI-Stream wrapper's (``hls.axis_project``): a batch is a kernel run
instead of a TLAST-framed transfer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fpga_prune.arith import axis, fixed
from fpga_prune.arith.axil import CONTROL_REGS
from fpga_prune.errors import InputError
from fpga_prune.estimate.interface import network_bus_format
from fpga_prune.hls.axis_project import CSIM_BATCHES, word_lines
from fpga_prune.outdir import json_text
from fpga_prune.rtl.kernel import ARGS, BUNDLES, max_burst

if TYPE_CHECKING:
    import numpy as np

    from fpga_prune.arith.ir import FixedNetwork
    from fpga_prune.boards import Board
    from fpga_prune.rtl.portmap import PortMap
    from fpga_prune.templating import TemplateContext

KERNEL_FORMAT = "fpga_prune.kernel/1"
IN_FILE = "tb_data/kernel_in.dat"
EXPECTED_FILE = "tb_data/kernel_expected.dat"
#: verbatim copies of the standalone modules the pyxrt host imports (the PYNQ driver's, the same files)
HOST_AXIS = "host/fpga_prune_axis.py"
HOST_FIXED = "host/fpga_prune_fixed.py"


@dataclass(frozen=True)
class KernelDesign:
    """What the kernel of one project is: names, the bus format and where its buffers go."""

    top: str
    kernel: str
    fmt: axis.BusFormat
    platform: str
    memory: str
    clock_mhz: float

    @property
    def kernel_mhz(self) -> int:
        """The kernel clock in whole MHz, as ``v++ --kernel_frequency`` takes it (the board's clock)."""
        return round(self.clock_mhz)

    @property
    def max_burst(self) -> int:
        return max_burst(self.fmt.word_bits)

    def to_dict(self) -> dict[str, object]:
        return {
            "format": KERNEL_FORMAT,
            "top": self.top,
            "kernel": self.kernel,
            "bus": self.fmt.to_dict(),
            "platform": self.platform,
            "memory": self.memory,
            "clock_mhz": round(self.clock_mhz, 3),
            "registers": dict(CONTROL_REGS) | {name: off for name, off, _ in ARGS},
            "bundles": BUNDLES,
            "max_burst": self.max_burst,
            "csim_batches": list(CSIM_BATCHES),
            "files": {"input_words": IN_FILE, "expected_words": EXPECTED_FILE},
        }

    def to_json(self) -> str:
        return json_text(self.to_dict(), indent=1)


def read_kernel_design(path: Path) -> KernelDesign:
    """A project's ``kernel.json`` back (one-line ``InputError`` naming the file when it is not one)."""
    try:
        doc = json.loads(path.read_text())
        if doc.get("format") != KERNEL_FORMAT:
            raise ValueError(f"format is not {KERNEL_FORMAT}")
        bus = doc["bus"]
        layouts = [
            axis.Layout(*(bus[d][k] for k in ("n", "width", "signed", "word_bits"))) for d in ("input", "output")
        ]
        return KernelDesign(
            str(doc["top"]),
            str(doc["kernel"]),
            axis.BusFormat(*layouts),
            str(doc["platform"]),
            str(doc["memory"]),
            float(doc["clock_mhz"]),
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, None, f"not an fpga_prune kernel.json: {exc}") from None


def kernel_design(network: FixedNetwork, board: Board, top: str) -> KernelDesign:
    """The bus format on ``board``'s m_axi width for ``network``'s input and output types."""
    if board.m_axi_width is None or board.platform is None or board.memory is None:
        raise ValueError(f"board {board.name} has no platform/memory/m_axi_width")
    fmt = network_bus_format(network, board.m_axi_width)
    return KernelDesign(top, f"{top}_kernel", fmt, board.platform, board.memory, board.clock_mhz)


def kernel_files(
    design: KernelDesign, x_raw: np.ndarray, expected_raw: np.ndarray, ports: PortMap | None, ctx: TemplateContext
) -> dict[str, str]:
    """Relative path -> text of every vitis-kernel file; ``ctx`` is the project's template context."""
    from fpga_prune.rtl.kernel import render_kernel_wrapper  # noqa: PLC0415
    from fpga_prune.templating import render  # noqa: PLC0415

    fin, fout = design.fmt.input, design.fmt.output
    kctx = {
        **ctx,
        "kernel": design.kernel,
        "design": design.to_dict(),
        "fmt": design.fmt.to_dict(),
        "fin": fin.to_dict(),
        "fout": fout.to_dict(),
        "args": [{"name": n, "offset": o, "bits": b} for n, o, b in ARGS],
        "bundles": BUNDLES,
        "max_burst": design.max_burst,
        "kernel_mhz": design.kernel_mhz,
        "guard": 4,
        "max_run": max(CSIM_BATCHES),  # the longest run of the testbench: the m_axi depth C/RTL co-simulation needs
    }
    k = design.kernel
    files = {
        f"firmware/{k}.h": render("kernel/kernel_top.h.j2", kctx),
        f"firmware/{k}.cpp": render("kernel/kernel_top.cpp.j2", kctx),
        "tb/tb_kernel.cpp": render("kernel/tb_kernel.cpp.j2", kctx),
        "scripts/build_kernel.tcl": render("kernel/build_kernel.tcl.j2", kctx),
        "scripts/link.cfg": render("kernel/link.cfg.j2", kctx),
        f"host/{k}_host.py": render("kernel/host.py.j2", kctx),
        # the host's packing and cast are fpga_prune's own modules, copied: the server needs no fpga_prune
        HOST_AXIS: Path(axis.__file__).read_text(encoding="utf-8"),
        HOST_FIXED: Path(fixed.__file__).read_text(encoding="utf-8"),
        IN_FILE: word_lines(x_raw, fin, CSIM_BATCHES),
        EXPECTED_FILE: word_lines(expected_raw, fout, CSIM_BATCHES),
        "kernel.json": design.to_json(),
    }
    if ports is not None:
        for name, text in render_kernel_wrapper(ports, design.fmt, design.kernel).items():
            files[f"rtl_kernel/{name}"] = text
    return files
