"""The register map of the AXI-Lite top (``--interface axi-lite``): where a sample's input words and its result
words sit in the ``s_axi_control`` slave, after the ap_ctrl_hs block registers.

Why one module, standalone (the standard library only), below ``rtl`` and ``estimate``: the Verilog wrapper
(``rtl.axil``) decodes it, the HLS project's ``axil.json``, PYNQ driver and README (``hls.axil_project``) and the
testbench read it, and the estimate prices its words; the block registers are the Vitis kernel's too
(``rtl.kernel``).

The map is the one Vitis HLS gives ``void top(ap_uint<32> x[IN_WORDS], ap_uint<32> y[OUT_WORDS])`` with both
arrays and ``return`` on ``s_axilite`` bundle ``control``: the ap_ctrl_hs block registers (``CONTROL_REGS``:
0x00 control, 0x04 GIE, 0x08 IER, 0x0c ISR), then each array as a memory in its own window,
in argument order: the window is the array's bytes rounded up to a power of two, and starts at the first
address at or after the end of the previous one (0x10 for the first) that is a multiple of its size.  Basis: the
address maps of the ``x<top>_hw.h`` headers Vitis HLS exports, e.g. xz-bruh-bwe/EE_278
``vivado_projects/HLS/chatGPT_proj/chatGPT_proj/impl/misc/drivers/array_add_v1_0/src/xarray_add_hw.h``
(Vitis HLS 2023.1: three 10 x 32-bit arrays at 0x40, 0x80, 0xc0), Anders-S-M/EmbSys-FA-Ros2_System
``inferenceIP/drivers/inference_v1_0/src/xinference_hw.h`` (2020.2: 1,200 x 32 bits at 0x2000-0x3fff) and
Gabriele-bot/PYNQ_IA ``.../hls4ml_PYNQ_prj/myproject_prj/solution1/.autopilot/db/driver/src/xmyproject_axi_hw.h``
(hls4ml's own AXI-Lite ``myproject_axi``, Vivado HLS 2020.1: 32 bytes at 0x20-0x3f, 10 bytes at 0x40-0x4f).
No public report shows a one-element array, which Vitis might make a scalar register instead: an array has at
least ``MIN_WORDS`` words (a one-word sample's second word is 0).  The map is read from those reports, not
from Vitis here: the exported IP's ``drivers/*/src/x<top>_hw.h`` says what this Vitis chose, and the project's
README asks to compare them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the block-control registers of ap_ctrl_hs (Vitis HLS): control (ap_start, ap_done COR, ap_idle, ap_ready COR,
#: auto_restart), global interrupt enable, interrupt enable, interrupt status (toggle on write)
CONTROL_REGS = (("control", 0x00), ("gie", 0x04), ("ier", 0x08), ("isr", 0x0C))
#: control register bits
AP_START, AP_DONE, AP_IDLE, AP_READY = 0x1, 0x2, 0x4, 0x8

#: the s_axilite data width: each array element is one 32-bit register word (the bus format's word)
WORD_BITS = 32
#: the first address after the block-control registers
FIRST_FREE = 0x10
#: the fewest words an array of the top has (see the module docstring)
MIN_WORDS = 2


@dataclass(frozen=True)
class Window:
    """One array in the register map: ``words`` 32-bit words from ``base``, its window up to ``high``."""

    name: str
    base: int
    words: int

    @property
    def size(self) -> int:
        """The window's bytes: the array's, rounded up to a power of two."""
        size = 4
        while size < 4 * self.words:
            size *= 2
        return size

    @property
    def high(self) -> int:
        return self.base + self.size - 1

    def offsets(self) -> tuple[int, ...]:
        """The byte offset of each word."""
        return tuple(self.base + 4 * k for k in range(self.words))

    def to_dict(self) -> dict[str, int]:
        return {"base": self.base, "high": self.high, "words": self.words}


@dataclass(frozen=True)
class RegisterMap:
    """The AXI-Lite top's s_axi_control: block control, the input words ``x`` and the result words ``y``."""

    x: Window
    y: Window

    @property
    def addr_bits(self) -> int:
        """Bits of the slave's address: enough for the highest window's last byte."""
        return self.y.high.bit_length()

    def to_dict(self) -> dict[str, object]:
        return {**dict(CONTROL_REGS), "x": self.x.to_dict(), "y": self.y.to_dict(), "addr_bits": self.addr_bits}


def _after(end: int, name: str, words: int) -> Window:
    """A window of ``words`` at the first multiple of its size at or after ``end``."""
    size = Window(name, 0, words).size
    return Window(name, -(-end // size) * size, words)


def register_map(in_words: int, out_words: int) -> RegisterMap:
    """Where a sample's ``in_words`` input words and ``out_words`` result words sit (the rule and its basis: the
    module docstring)."""
    if in_words < 1 or out_words < 1:
        raise ValueError(f"{in_words} input / {out_words} result words a sample")
    x = _after(FIRST_FREE, "x", max(MIN_WORDS, in_words))
    y = _after(x.base + x.size, "y", max(MIN_WORDS, out_words))
    return RegisterMap(x, y)
