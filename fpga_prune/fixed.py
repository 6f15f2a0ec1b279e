"""Vectorized numpy emulation of Vitis HLS ``ap_fixed`` / ``ap_ufixed``.

Values are carried as raw integers (int64 numpy arrays or Python ints): the
real value is ``raw * 2**-frac``.  This module parses and prints the C++ type
strings hls4ml writes and (below) converts between types with every
quantization and overflow mode of ``ap_fixed``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

QUANT_MODES = ("AP_TRN", "AP_TRN_ZERO", "AP_RND", "AP_RND_ZERO", "AP_RND_INF",
               "AP_RND_MIN_INF", "AP_RND_CONV")
OVERFLOW_MODES = ("AP_WRAP", "AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM")

_TYPE_RE = re.compile(
    r"^\s*(?P<kind>ap_fixed|ap_ufixed|ap_int|ap_uint)\s*<\s*(?P<args>[^>]*)>\s*$"
)


@dataclass(frozen=True)
class FixedType:
    """``ap_[u]fixed<width, integer, rounding, saturation, sat_bits>``.

    ``integer`` counts the sign bit for signed types, as in Vitis HLS; it may
    be negative or exceed ``width``.
    """

    signed: bool
    width: int
    integer: int
    rounding: str = "AP_TRN"
    saturation: str = "AP_WRAP"
    sat_bits: int = 0

    def __post_init__(self) -> None:
        if self.width < 1:
            raise ValueError(f"width must be >= 1, got {self.width}")
        if self.rounding not in QUANT_MODES:
            raise ValueError(f"unknown quantization mode {self.rounding!r}")
        if self.saturation not in OVERFLOW_MODES:
            raise ValueError(f"unknown overflow mode {self.saturation!r}")

    @property
    def frac(self) -> int:
        """Fractional bits: the raw integer is ``value * 2**frac``."""
        return self.width - self.integer

    @property
    def raw_min(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def raw_max(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def lsb(self) -> float:
        return 2.0 ** (-self.frac)

    def with_modes(self, rounding: str | None = None, saturation: str | None = None) -> FixedType:
        return replace(self, rounding=rounding or self.rounding,
                       saturation=saturation or self.saturation)

    def __str__(self) -> str:
        kind = "ap_fixed" if self.signed else "ap_ufixed"
        args = [str(self.width), str(self.integer)]
        if self.rounding != "AP_TRN" or self.saturation != "AP_WRAP" or self.sat_bits:
            args += [self.rounding, self.saturation]
        if self.sat_bits:
            args.append(str(self.sat_bits))
        return f"{kind}<{','.join(args)}>"

    @classmethod
    def parse(cls, text: str) -> FixedType:
        """Parse ``ap_fixed<16,6,AP_RND_CONV,AP_SAT>``, ``ap_uint<8>`` and friends."""
        m = _TYPE_RE.match(text)
        if not m:
            raise ValueError(f"not an ap_fixed/ap_int type: {text!r}")
        kind = m.group("kind")
        args = [a.strip() for a in m.group("args").split(",") if a.strip()]
        signed = kind in ("ap_fixed", "ap_int")
        try:
            if kind in ("ap_int", "ap_uint"):
                if len(args) != 1:
                    raise ValueError
                width = int(args[0])
                return cls(signed, width, width)
            width, integer = int(args[0]), int(args[1])
            rounding = args[2] if len(args) > 2 else "AP_TRN"
            saturation = args[3] if len(args) > 3 else "AP_WRAP"
            sat_bits = int(args[4]) if len(args) > 4 else 0
        except (ValueError, IndexError):
            raise ValueError(f"malformed type arguments in {text!r}") from None
        return cls(signed, width, integer, rounding, saturation, sat_bits)
