"""The register map of a Vitis HLS ``s_axilite`` bundle: the ap_ctrl_hs block registers, then scalars and arrays
as Vitis HLS lays them out -- for the AXI-Lite top (``--interface axi-lite``), the Vitis kernel's
``s_axi_control`` and the emulated exports of foreign VivadoAccelerator tops.

Why one module, standalone (the standard library only), below ``rtl`` and ``estimate``: the Verilog slave
(``rtl.axil``, ``rtl.kernel``, ``rtl.wrapped``) decodes the map, the HLS projects' ``axil.json``/``kernel.json``,
PYNQ driver and README (``hls.axil_project``, ``hls.kernel_project``) and the testbenches read it, the estimate
prices its words, and ``rtl.s_axi_map`` writes and reads it in the comment form Vitis puts atop an export's
``*_s_axi.v``.

The layout (``layout``): the ap_ctrl_hs block registers (``CONTROL_REGS``: 0x00 control, 0x04 GIE, 0x08 IER,
0x0c ISR; reserved where the bundle has no ``port=return``), then, from ``FIRST_FREE`` on, in argument order,
each scalar in its 32-bit words plus a reserved one (a 64-bit pointer: low, high, reserved; UG1399, "S_AXI Lite"
register maps), then each array as a memory in its own window: the window is the array's bytes rounded up to a
power of two, and starts at the first address at or after the end of the previous one that is a multiple of its
size.  Basis: the address maps of the ``x<top>_hw.h`` headers Vitis HLS exports, e.g. xz-bruh-bwe/EE_278
``vivado_projects/HLS/chatGPT_proj/chatGPT_proj/impl/misc/drivers/array_add_v1_0/src/xarray_add_hw.h``
(Vitis HLS 2023.1: three 10 x 32-bit arrays at 0x40, 0x80, 0xc0), Anders-S-M/EmbSys-FA-Ros2_System
``inferenceIP/drivers/inference_v1_0/src/xinference_hw.h`` (2020.2: 1,200 x 32 bits at 0x2000-0x3fff) and
Gabriele-bot/PYNQ_IA ``.../hls4ml_PYNQ_prj/myproject_prj/solution1/.autopilot/db/driver/src/xmyproject_axi_hw.h``
(hls4ml's own AXI-Lite ``myproject_axi``, Vivado HLS 2020.1: 32 bytes at 0x20-0x3f, 10 bytes at 0x40-0x4f).
No public report shows a one-element array, which Vitis might make a scalar register instead: a window holds
at least ``MIN_WORDS`` words, and the AXI-Lite top's arrays have that many (a one-word sample's second word is 0).
The map is read from those reports, not from Vitis here: the exported IP's ``drivers/*/src/x<top>_hw.h`` says
what this Vitis chose, and the generated project's README asks to compare them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the block-control registers of ap_ctrl_hs (Vitis HLS): control (ap_start, ap_done COR, ap_idle, ap_ready COR,
#: auto_restart), global interrupt enable, interrupt enable, interrupt status (toggle on write)
CONTROL_REGS = (("control", 0x00), ("gie", 0x04), ("ier", 0x08), ("isr", 0x0C))
#: control register bits
AP_START, AP_DONE, AP_IDLE, AP_READY = 0x1, 0x2, 0x4, 0x8

#: the s_axilite data width: one register word (each element of the AXI-Lite top's arrays is one: the bus
#: format's word)
WORD_BITS = 32
#: the first address after the block-control registers
FIRST_FREE = 0x10
#: the fewest words an array's window holds (see the module docstring)
MIN_WORDS = 2


@dataclass(frozen=True)
class Register:
    """A scalar (or an ``m_axi`` offset) in 32-bit words from ``offset`` on, low word first."""

    name: str
    offset: int
    bits: int

    @property
    def words(self) -> int:
        return -(-self.bits // WORD_BITS)


@dataclass(frozen=True)
class Memory:
    """An array on ``s_axilite``: ``depth`` elements of ``elem_bits`` packed little-endian into 32-bit words
    at ``base`` .. ``high`` (its window)."""

    name: str
    base: int
    high: int
    depth: int
    elem_bits: int

    @property
    def per_word(self) -> int:
        return max(1, WORD_BITS // self.elem_bits)

    @property
    def words(self) -> int:
        """The array's words (its window may hold more)."""
        return -(-self.depth // self.per_word)

    def offsets(self) -> tuple[int, ...]:
        """The byte offset of each word."""
        return tuple(self.base + 4 * k for k in range(self.words))

    def to_dict(self) -> dict[str, int]:
        return {"base": self.base, "high": self.high, "words": self.words}


@dataclass(frozen=True)
class SAxiMap:
    """One ``s_axilite`` bundle: the block-control registers if it carries ``port=return``, scalars, memories."""

    bundle: str
    ap_ctrl: bool
    registers: tuple[Register, ...] = ()
    memories: tuple[Memory, ...] = ()

    @property
    def addr_bits(self) -> int:
        """Address bits of the bundle's AXI-Lite port: its highest address, at least 5 bits (Vitis HLS' minimum)."""
        top = max([FIRST_FREE + 4 * 2 - 1] + [r.offset + 4 * (r.words + 1) - 1 for r in self.registers])
        top = max([top] + [m.high for m in self.memories])
        return max(5, top.bit_length())

    def register(self, name: str) -> Register | None:
        return next((r for r in self.registers if r.name == name), None)

    def memory(self, name: str) -> Memory | None:
        return next((m for m in self.memories if m.name == name), None)


def window_bytes(words: int) -> int:
    """An array's window: its bytes (at least ``MIN_WORDS`` words) rounded up to a power of two."""
    return 1 << (4 * max(MIN_WORDS, words) - 1).bit_length()


def layout(bundle: str, ap_ctrl: bool, scalars: list[tuple[str, int]], memories: list[tuple[str, int, int]]) -> SAxiMap:
    """Vitis HLS' map of a bundle: ``scalars`` (``name, bits``) then ``memories`` (``name, depth, elem_bits``) from
    ``FIRST_FREE`` on (the rule and its basis: the module docstring)."""
    at = FIRST_FREE
    regs = []
    for name, bits in scalars:
        reg = Register(name, at, bits)
        regs.append(reg)
        at += 4 * (reg.words + 1)
    mems = []
    for name, depth, elem_bits in memories:
        per = max(1, WORD_BITS // elem_bits)
        size = window_bytes(-(-depth // per))
        base = -(-at // size) * size
        mems.append(Memory(name, base, base + size - 1, depth, elem_bits))
        at = base + size
    return SAxiMap(bundle, ap_ctrl, tuple(regs), tuple(mems))


@dataclass(frozen=True)
class RegisterMap:
    """The AXI-Lite top's s_axi_control: block control, the input words ``x`` and the result words ``y``."""

    bus: SAxiMap

    @property
    def x(self) -> Memory:
        return self.bus.memories[0]

    @property
    def y(self) -> Memory:
        return self.bus.memories[1]

    @property
    def addr_bits(self) -> int:
        return self.bus.addr_bits

    def to_dict(self) -> dict[str, object]:
        return {**dict(CONTROL_REGS), "x": self.x.to_dict(), "y": self.y.to_dict(), "addr_bits": self.addr_bits}


def register_map(in_words: int, out_words: int) -> RegisterMap:
    """Where a sample's ``in_words`` input words and ``out_words`` result words sit: the map Vitis HLS gives
    ``void top(ap_uint<32> x[IN_WORDS], ap_uint<32> y[OUT_WORDS])`` with both arrays and ``return`` on bundle
    ``control``, each array at least ``MIN_WORDS`` long."""
    if in_words < 1 or out_words < 1:
        raise ValueError(f"{in_words} input / {out_words} result words a sample")
    arrays = [("x", max(MIN_WORDS, in_words), WORD_BITS), ("y", max(MIN_WORDS, out_words), WORD_BITS)]
    return RegisterMap(layout("control", True, [], arrays))
