"""The ap_fixed building blocks our Verilog is made of, as template data and literals.

Why its own module: every layer the renderer writes (dense, sigmoid, each
softmax implementation) is assembled from the same few fixed-point pieces --
one Verilog function per distinct cast (``rtl/top.v.j2``), Verilog literals of
raw values, sign/zero extension, ROM modules of lookup tables
(``rtl/rom.v.j2``) and hls4ml's table-index arithmetic.  Here they are, each
rendered exactly as ``arith.fixed`` and ``nnet_activation.h`` compute, apart
from which layer uses them and how a network is wired.
"""

from __future__ import annotations

import numpy as np

from fpga_prune.arith import fixed
from fpga_prune.arith.fixed import FixedType
from fpga_prune.templating import TemplateContext

RND_CODES = {
    "AP_TRN": 0,
    "AP_TRN_ZERO": 1,
    "AP_RND": 2,
    "AP_RND_ZERO": 3,
    "AP_RND_INF": 4,
    "AP_RND_MIN_INF": 5,
    "AP_RND_CONV": 6,
}
OVF_CODES = {"AP_WRAP": 0, "AP_SAT": 1, "AP_SAT_ZERO": 2, "AP_SAT_SYM": 3}


# --------------------------------------------------------------------------- casts


def cast_raw(raw: int, src: FixedType, dst: FixedType) -> int:
    """One ap_fixed conversion of a generation-time constant, by :func:`fpga_prune.arith.fixed.cast`.

    So ROM contents and biases are quantized exactly as the bit-accurate model
    quantizes them.
    """
    return int(np.asarray(fixed.cast(np.asarray([int(raw)], dtype=np.int64), src, dst))[0])


_INC = {
    0: "1'b0",
    1: "neg & (half | rest)",
    2: "half",
    3: "half & (rest | neg)",
    4: "half & (rest | ~neg)",
    5: "half & rest",
    6: "half & (rest | fl[0])",
}


class Casts:
    """The distinct casts of a design, each rendered once as a Verilog function."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.by_key: dict[tuple[object, ...], TemplateContext] = {}

    def get(self, src: FixedType, dst: FixedType, src_width: int | None = None) -> str:
        """Name of the function casting ``src`` (optionally widened to ``src_width``) to ``dst``."""
        if dst.sat_bits:
            raise ValueError(f"{dst}: saturation bits (5th ap_fixed argument) are not supported in RTL")
        iw = src.width if src_width is None else src_width
        key = (iw, src.frac, src.signed, dst.width, dst.frac, dst.signed, dst.rounding, dst.saturation)
        if key in self.by_key:
            return self.by_key[key]["name"]
        ow, of_ = dst.width, dst.frac
        ls = max(0, of_ - src.frac)
        rs = max(0, src.frac - of_)
        xw = max(iw + ls, ow) + rs + 2
        fill = f"din[{iw - 1}]" if src.signed else "1'b0"
        lo, hi = dst.raw_min, dst.raw_max
        ovf = OVF_CODES[dst.saturation]
        zero = f"{ow}'d0"
        c: TemplateContext = {
            "name": f"{self.prefix}cast_{len(self.by_key)}",
            "src": f"ap_{'' if src.signed else 'u'}fixed<{iw},{iw - src.frac}>",
            "dst": str(dst),
            "IW": iw,
            "OW": ow,
            "LS": ls,
            "RS": rs,
            "XW": xw,
            "OVF": ovf,
            "ext": "{{" + str(xw - iw) + "{" + fill + "}}, din}",
            "inc": _INC[RND_CODES[dst.rounding]],
            "omax": sdec_literal(hi, xw),
            "omin": sdec_literal(lo, xw),
            "on_over": zero if ovf == 2 else hex_literal(hi, ow),
            "on_under": zero
            if ovf == 2
            else (hex_literal(-hi, ow) if ovf == 3 and dst.signed else hex_literal(lo, ow)),
        }
        self.by_key[key] = c
        return c["name"]

    def functions(self) -> list[TemplateContext]:
        return list(self.by_key.values())


# --------------------------------------------------------------------------- literals


def hex_literal(raw: int, width: int) -> str:
    """``width``-bit two's-complement literal, e.g. ``16'h00ff``."""
    return f"{width}'h{(int(raw) & ((1 << width) - 1)):0{(width + 3) // 4}x}"


def sdec_literal(value: int, width: int) -> str:
    """Signed decimal literal of ``width`` bits (``-20'sd5`` style)."""
    return f"-{width}'sd{-value}" if value < 0 else f"{width}'sd{value}"


def extend(sig: str, width: int, signed: bool, to: int) -> str:
    """Sign/zero-extend ``sig`` (``width`` bits) to ``to`` bits."""
    if to == width:
        return sig
    fill = f"{sig}[{width - 1}]" if signed else "1'b0"
    return "{{" + f"{to - width}" + "{" + fill + "}}, " + sig + "}"


# --------------------------------------------------------------------------- lookup tables


def addr_bits(size: int) -> int:
    """``ceil(log2(size))``: the index width hls4ml's table lookups use."""
    return max(1, (size - 1).bit_length())


def rom_context(module: str, title: str, values: list[int], width: int, ab: int, dtype: str) -> TemplateContext:
    """Template data of one ROM module (``rtl/rom.v.j2``)."""
    size = len(values)
    return {
        "module": module,
        "title": title,
        "size": size,
        "ab": ab,
        "dw": width,
        "dtype": dtype,
        "table": [{"a": hex_literal(a, ab), "v": hex_literal(v, width)} for a, v in enumerate(values)],
        "default": hex_literal(values[-1], width) if size < 2**ab else None,
    }


def table_index(
    base: str, sig: str, width: int, signed: bool, mul: int, shift: int, offset: int, maxv: int, ab: int
) -> TemplateContext:
    """``clip(trunc0(x * mul / 2**shift) + offset, 0, maxv)`` on a raw ``width``-bit signal.

    The index arithmetic of hls4ml's sigmoid and legacy softmax tables:
    ``int()`` of an ap_fixed truncates toward zero, which an arithmetic
    shift does only for non-negative values (a negative value with a nonzero
    remainder is corrected by +1).
    """
    vw = width + max(mul, 1).bit_length() + 3 + max(0, -shift)
    return {
        "m": f"{base}_m",
        "r": f"{base}_r",
        "v": f"{base}_v",
        "i": f"{base}_i",
        "k": f"{base}_k",
        "vw": vw,
        "shift": shift,
        "ab": ab,
        "xe": extend(sig, width, signed, vw),
        "mul": sdec_literal(mul, vw),
        "off": sdec_literal(offset, vw),
        "max_lit": sdec_literal(maxv, vw),
        "max_addr": hex_literal(maxv, ab),
    }


def slice_top(sig: str, width: int, bits: int) -> str:
    """``x(W-1, W-bits)`` of hls4ml's ``softmax_idx_from_real_val`` (zeros below when bits > W)."""
    if bits <= width:
        return f"{sig}[{width - 1}:{width - bits}]"
    return "{" + f"{sig}, {bits - width}'d0" + "}"
