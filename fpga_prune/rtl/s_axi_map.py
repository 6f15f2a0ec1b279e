"""The register map of a Vitis / Vivado HLS ``s_axilite`` bundle: read from an export, or laid out as the tool does.

Why read it from the export: where an argument's register sits depends on the tool (Vivado HLS' 32-bit pointers
in two words, Vitis HLS' 64-bit ones in three), on which bundle it fell into (an ``m_axi`` offset with no
``s_axilite`` pragma goes to the default bundle, ``control`` in Vitis HLS, ``AXILiteS`` in Vivado HLS, not to the
one that carries ``port=return``) and on array sizes (a memory is aligned to its power-of-two span).  Every
exported ``<top>_<bundle>_s_axi.v`` (and the driver's ``x<top>_hw.h``) opens with the map as a comment
("Address Info"); ``parse_address_info`` reads it and ``address_info`` writes it in the same form, so a
testbench and an emulated export agree on one text.  ``vitis_layout`` is Vitis HLS' allocation (UG1399, "S_AXI
Lite" register maps; checked against public ``*_hw.h`` headers), used only to render emulated exports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fpga_prune.errors import InputError

#: ap_ctrl_hs' block-control registers at the start of the bundle that carries ``port=return``
AP_CTRL_WORDS = 4


@dataclass(frozen=True)
class Register:
    """A scalar (or an ``m_axi`` offset) in 32-bit words from ``offset`` on, low word first."""

    name: str
    offset: int
    bits: int


@dataclass(frozen=True)
class Memory:
    """An array on ``s_axilite``: ``depth`` elements of ``elem_bits`` packed little-endian into 32-bit words
    at ``base`` .. ``high``."""

    name: str
    base: int
    high: int
    depth: int
    elem_bits: int

    @property
    def per_word(self) -> int:
        return max(1, 32 // self.elem_bits)


@dataclass(frozen=True)
class SAxiMap:
    bundle: str
    ap_ctrl: bool
    registers: tuple[Register, ...] = ()
    memories: tuple[Memory, ...] = ()

    @property
    def addr_bits(self) -> int:
        """Address bits of the bundle's AXI-Lite port: its highest address, at least 5 bits (Vitis HLS' minimum)."""
        top = max([0x10 + 4 * 2 - 1] + [r.offset + 4 * (-(-r.bits // 32) + 1) - 1 for r in self.registers])
        top = max([top] + [m.high for m in self.memories])
        return max(5, top.bit_length())

    def register(self, name: str) -> Register | None:
        return next((r for r in self.registers if r.name == name), None)

    def memory(self, name: str) -> Memory | None:
        return next((m for m in self.memories if m.name == name), None)


def _hex(v: int, digits: int) -> str:
    return f"0x{v:0{digits}x}"


def address_info(m: SAxiMap) -> str:
    """The map as the comment block Vitis HLS writes atop ``<top>_<bundle>_s_axi.v`` (one line each, ``// ``)."""
    d = max(2, -(-m.addr_bits // 4))
    pad = " " * (d + 5)
    lines = [m.bundle]
    if m.ap_ctrl:
        lines += [
            f"{_hex(0, d)} : Control signals",
            f"{pad}bit 0  - ap_start (Read/Write/COH)",
            f"{pad}bit 1  - ap_done (Read/COR)",
            f"{pad}bit 2  - ap_idle (Read)",
            f"{pad}bit 3  - ap_ready (Read/COR)",
            f"{pad}bit 7  - auto_restart (Read/Write)",
            f"{pad}others - reserved",
            f"{_hex(4, d)} : Global Interrupt Enable Register",
            f"{pad}bit 0  - Global Interrupt Enable (Read/Write)",
            f"{pad}others - reserved",
            f"{_hex(8, d)} : IP Interrupt Enable Register (Read/Write)",
            f"{pad}bit 0  - enable ap_done interrupt (Read/Write)",
            f"{pad}bit 1  - enable ap_ready interrupt (Read/Write)",
            f"{pad}others - reserved",
            f"{_hex(12, d)} : IP Interrupt Status Register (Read/TOW)",
            f"{pad}bit 0  - ap_done (COR/TOW)",
            f"{pad}bit 1  - ap_ready (COR/TOW)",
            f"{pad}others - reserved",
        ]
    else:
        lines += [f"{_hex(a, d)} : reserved" for a in range(0, 16, 4)]
    for r in m.registers:
        words = -(-r.bits // 32)
        for k in range(words):
            hi = min(r.bits, 32 * (k + 1)) - 1
            lines += [f"{_hex(r.offset + 4 * k, d)} : Data signal of {r.name}"]
            lines += [f"{pad}bit {hi - 32 * k}~0 - {r.name}[{hi}:{32 * k}] (Read/Write)"]
        lines += [f"{_hex(r.offset + 4 * words, d)} : reserved"]
    for mem in m.memories:
        lines += [
            f"{_hex(mem.base, d)} ~",
            f"{_hex(mem.high, d)} : Memory '{mem.name}' ({mem.depth} * {mem.elem_bits}b)",
        ]
        for j in range(mem.per_word):
            lo = j * mem.elem_bits
            idx = f"{mem.per_word}n+{j}" if j else (f"{mem.per_word}n" if mem.per_word > 1 else "n")
            lead = "Word n : " if j == 0 else "         "
            lines += [f"{pad}{lead}bit [{lo + mem.elem_bits - 1}:{lo}] - {mem.name}[{idx}]"]
    lines += ["(SC = Self Clear, COR = Clear on Read, TOW = Toggle on Write, COH = Clear on Handshake)"]
    return "".join(f"// {line}\n" for line in lines)


_DATA = re.compile(r"^//\s*0x([0-9a-fA-F]+)\s*:\s*Data signal of (\w+)\s*$", re.M)
_BITS = re.compile(r"-\s*(\w+)\[(\d+)(?::\d+)?\]")
_MEM = re.compile(
    r"^//\s*0x([0-9a-fA-F]+)\s*~\s*\n//\s*0x([0-9a-fA-F]+)\s*:\s*Memory '(\w+)' \((\d+) \* (\d+)b\)", re.M
)
_CTRL = re.compile(r"^//\s*0x0+\s*:\s*Control signals", re.M)


def parse_address_info(text: str, bundle: str) -> SAxiMap:
    """The map in ``text`` (an exported ``*_s_axi.v`` or ``*_hw.h``): registers, memories, ap_ctrl or not."""
    regs: dict[str, list[int]] = {}
    for m in _DATA.finditer(text):
        addr, name = int(m.group(1), 16), m.group(2)
        nxt = text[m.end() : m.end() + 200]
        b = _BITS.search(nxt)
        hi = int(b.group(2)) if b and b.group(1) == name else 31
        regs.setdefault(name, [addr, hi])
        regs[name][1] = max(regs[name][1], hi)
    registers = tuple(Register(n, a, hi + 1) for n, (a, hi) in regs.items())
    memories = tuple(
        Memory(m.group(3), int(m.group(1), 16), int(m.group(2), 16), int(m.group(4)), int(m.group(5)))
        for m in _MEM.finditer(text)
    )
    return SAxiMap(bundle, bool(_CTRL.search(text)), registers, memories)


def read_s_axi_maps(rtl_dir: str | Path, top: str) -> dict[str, SAxiMap]:
    """Every ``s_axilite`` bundle of the export's top ``top``: ``<top>_<bundle>_s_axi.v`` -> its map."""
    maps = {}
    for p in sorted(Path(rtl_dir).glob(f"{top}_*_s_axi.v")):
        bundle = p.name[len(top) + 1 : -len("_s_axi.v")]
        text = p.read_text(errors="replace")
        if "Data signal of" not in text and "Memory '" not in text and not _CTRL.search(text):
            raise InputError(p, bundle, "no address map comment (as Vitis HLS writes atop *_s_axi.v): map unknown")
        maps[bundle] = parse_address_info(text, bundle)
    return maps


def _pow2(n: int) -> int:
    return 1 << max(0, n - 1).bit_length()


def vitis_layout(
    bundle: str, ap_ctrl: bool, scalars: list[tuple[str, int]], memories: list[tuple[str, int, int]]
) -> SAxiMap:
    """Vitis HLS' map of a bundle: from 0x10, each scalar in its words plus a reserved one (a 64-bit pointer: low,
    high, reserved), then each memory (``name, depth, elem_bits``) at the next multiple of its power-of-two span."""
    at = 0x10
    regs = []
    for name, bits in scalars:
        regs.append(Register(name, at, bits))
        at += 4 * (-(-bits // 32) + 1)
    mems = []
    for name, depth, elem_bits in memories:
        per = max(1, 32 // elem_bits)
        span = max(16, _pow2(4 * -(-depth // per)))
        base = -(-at // span) * span
        mems.append(Memory(name, base, base + span - 1, depth, elem_bits))
        at = base + span
    return SAxiMap(bundle, ap_ctrl, tuple(regs), tuple(mems))
