"""The register map of a Vitis / Vivado HLS ``s_axilite`` bundle (``arith.axil.SAxiMap``) in the comment form an
export has: read from an export, or written for an emulated one.

Why read it from the export: where an argument's register sits depends on the tool (Vivado HLS' 32-bit pointers
in two words, Vitis HLS' 64-bit ones in three), on which bundle it fell into (an ``m_axi`` offset with no
``s_axilite`` pragma goes to the default bundle, ``control`` in Vitis HLS, ``AXILiteS`` in Vivado HLS, not to the
one that carries ``port=return``) and on array sizes (a memory is aligned to its power-of-two span).  Every
exported ``<top>_<bundle>_s_axi.v`` (and the driver's ``x<top>_hw.h``) opens with the map as a comment
("Address Info"); ``parse_address_info`` reads it and ``address_info`` writes it in the same form, so a
testbench and an emulated export agree on one text.  Vitis HLS' allocation, which emulated exports are rendered
with, is ``arith.axil.layout`` (the AXI-Lite top's and the Vitis kernel's maps too).
"""

from __future__ import annotations

import re
from pathlib import Path

from fpga_prune.arith.axil import Memory, Register, SAxiMap
from fpga_prune.errors import InputError


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
        words = r.words
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


def slave_context(
    m: SAxiMap, sp: str, addr_bits: int | None = None, ro_words: tuple[tuple[int, str], ...] = ()
) -> dict[str, object]:
    """The context of ``hls_templates/rtl/s_axi_slave.v.j2`` for bundle ``m`` on ports ``<sp>AWADDR`` ..: its
    registers read/write word by word, ``ro_words`` (address, Verilog expression) read-only, its memories with a
    core port; ``addr_bits`` where the slave decodes more than ``m``'s own words."""
    arg_words = [
        {"addr": r.offset + 4 * k, "reg": f"arg_{r.name}", "hi": min(r.bits, 32 * (k + 1)) - 1, "lo": 32 * k}
        for r in m.registers
        for k in range(r.words)
    ]
    mems = []
    for mem in m.memories:
        words = (mem.high - mem.base + 1) // 4
        mems.append({"name": mem.name, "base": mem.base, "high": mem.high, "words": words,
                     "aw": max(1, (words - 1).bit_length())})  # fmt: skip
    return {
        "module": None,
        "bundle": m.bundle,
        "sp": sp,
        "ap_ctrl": m.ap_ctrl,
        "cab": addr_bits or m.addr_bits,
        "args": [{"name": r.name, "offset": r.offset, "bits": r.bits} for r in m.registers],
        "arg_words": arg_words,
        "ro_words": [{"addr": a, "expr": e} for a, e in ro_words],
        "mems": mems,
    }
