"""Vectorized numpy emulation of Vitis HLS ``ap_fixed`` / ``ap_ufixed``.

Values are carried as raw integers (int64 numpy arrays, or object arrays of
Python ints for types wider than 64 bits): the real value is
``raw * 2**-frac``.  This module parses and prints the C++ type strings hls4ml
writes and reproduces, bit for bit, what the C++ does with them:

* ``cast(raw, src, dst)``          ``dst_t y = src_t x;`` (every AP_* mode, sat bits)
* ``from_float(x, t)``             ``t_t y = (double)x;``;  ``to_float(raw, t)``
* ``mul_raw``/``add_raw``          full-precision ``a * b`` / ``a + b`` and their
  ``mul_type``/``add_type``         result types, so ``acc += m`` is
                                   ``cast(*add_raw(acc, acc_t, m, m_t), acc_t)``
* ``to_int(raw, t)``               ``(int)x``: toward zero, wrapped to 32 bits
* ``bit_pattern``/``from_bit_pattern``  W-bit two's complement words (hex vectors, Verilog)

Every public function returns an ndarray (0-d for scalar input).  The
reference is hls4ml's copy of the headers; tests/test_fixed_vs_cpp.py compiles
them with g++ and compares tens of thousands of random cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np
import numpy.typing as npt

QUANT_MODES = ("AP_TRN", "AP_TRN_ZERO", "AP_RND", "AP_RND_ZERO", "AP_RND_INF", "AP_RND_MIN_INF", "AP_RND_CONV")
OVERFLOW_MODES = ("AP_WRAP", "AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM")

_TYPE_RE = re.compile(r"^\s*(?P<kind>ap_fixed|ap_ufixed|ap_int|ap_uint)\s*<\s*(?P<args>[^>]*)>\s*$")


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
        if not 0 <= self.sat_bits <= self.width:
            # ap_fixed's overflow_adjust indexes bits W-N..W-1: N > W is meaningless.
            raise ValueError(f"sat_bits must be in [0, width={self.width}], got {self.sat_bits}")

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
        return replace(self, rounding=rounding or self.rounding, saturation=saturation or self.saturation)

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

    @property
    def fits_int64(self) -> bool:
        """Whether every raw value of this type fits an int64 (else object arrays are used)."""
        return self.width <= 64 if self.signed else self.width <= 63


# ---------------------------------------------------------------------------
# Arithmetic.  Semantics follow ap_fixed_base.h (hls4ml's copy of the Vitis HLS
# headers), checked bit for bit against them by tests/test_fixed_vs_cpp.py:
#
# * ``dst = src``: the exact source value is quantized to dst's LSB with
#   dst.rounding (the carry-in is decided from the first dropped bit ``qb``, the
#   OR of the remaining dropped bits ``r`` and the source sign), then, if the
#   quantized integer is outside dst's range, dst.saturation applies.  AP_WRAP
#   with N saturation bits forces the top bits on overflow (signed: MSB = sign,
#   next N-1 bits = NOT sign; unsigned: top N bits = 1, also on underflow).
#   AP_SAT_SYM on a signed dst maps everything <= min to min+1 (a 1-bit signed
#   type stays at min: ``V = min | 1``).
# * Doubles convert from their exact binary value (no intermediate rounding);
#   subnormals are read as ``1.m * 2**-1023`` exactly as the header does.
# ---------------------------------------------------------------------------

RawLike = int | np.ndarray | list[int]
# A carry/flag: a Python bool on the exact-int path, a bool array on the vectorized ones.
BoolLike = bool | npt.NDArray[np.bool_]
# A shift count: one for every element, or one per element.
ShiftLike = int | np.ndarray

_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1


def _as_raw_array(raw: RawLike) -> tuple[np.ndarray, bool]:
    """``(array, is_int64)``; Python ints beyond int64 give an object array."""
    a = np.asarray(raw)
    if a.dtype == object:
        try:
            return np.asarray(a, dtype=np.int64), True
        except OverflowError:
            return a, False
    if a.dtype.kind == "b":
        return a.astype(np.int64), True
    if a.dtype.kind == "u" and a.dtype.itemsize == 8:
        if a.size and int(a.max()) > _I64_MAX:
            return a.astype(object), False
        return a.astype(np.int64), True
    if a.dtype.kind not in "iu":
        raise TypeError(f"raw values must be integers, got dtype {a.dtype}")
    return a.astype(np.int64, copy=False), True


def _round_inc(mode: str, qb: BoolLike, r: BoolLike, neg: BoolLike, lsb_odd: BoolLike) -> BoolLike:
    """The carry-in of ``quantization_adjust`` (works on bools and bool arrays)."""
    if mode == "AP_TRN":
        return qb & False
    if mode == "AP_RND":
        return qb
    if mode == "AP_RND_ZERO":
        return qb & (neg | r)
    if mode == "AP_RND_MIN_INF":
        return qb & r
    if mode == "AP_RND_INF":
        return qb & (~neg | r) if isinstance(neg, np.ndarray) else qb & ((not neg) or r)
    if mode == "AP_RND_CONV":
        return qb & (lsb_odd | r)
    if mode == "AP_TRN_ZERO":
        return neg & (qb | r)
    raise ValueError(f"unknown quantization mode {mode!r}")


# -- exact Python-int path (reference semantics; used beyond int64) ----------


def _cast_int(v: int, d: int, dst: FixedType) -> int:
    """Raw ``v`` with ``d`` more fractional bits than ``dst`` -> raw of ``dst``."""
    if d > 0:
        fl = v >> d
        rem = v - (fl << d)
        qb = bool((rem >> (d - 1)) & 1)
        r = (rem & ((1 << (d - 1)) - 1)) != 0
        q = fl + int(bool(_round_inc(dst.rounding, qb, r, v < 0, bool(fl & 1))))
    else:
        q = v << -d
    lo, hi = dst.raw_min, dst.raw_max
    sym = dst.saturation == "AP_SAT_SYM" and dst.signed
    if lo < q <= hi or (q == lo and not sym):
        return q
    over, under = q > hi, q < lo  # (q == lo here only for AP_SAT_SYM)
    w = dst.width
    if dst.saturation == "AP_WRAP":
        u = q & ((1 << w) - 1)
        n = dst.sat_bits
        if n and (over or under):
            top = ((1 << n) - 1) << (w - n)
            if dst.signed:
                u &= ~top
                u |= (1 << (w - 1)) if under else top & ~(1 << (w - 1))
            else:
                u |= top
        return u - (1 << w) if dst.signed and u >> (w - 1) else u
    if dst.saturation == "AP_SAT_ZERO":
        return 0 if (over or under) else q
    if over:
        return hi
    if sym:
        return lo + 1 if w > 1 else lo
    return lo


def cast_object(v: np.ndarray, d: ShiftLike, dst: FixedType) -> np.ndarray:
    """The cast through Python ints, exact at any width: the path for types wider than int64 and the
    reference the int64 paths are tested against."""
    f = np.frompyfunc(lambda x, s: _cast_int(int(x), int(s), dst), 2, 1)
    out = np.asarray(f(v, d), dtype=object)
    return out.astype(np.int64) if dst.fits_int64 else out


# -- vectorized int64 path ------------------------------------------------------


def _cast_fast(v: np.ndarray, d: ShiftLike, dst: FixedType) -> np.ndarray:
    """int64 raw ``v`` (``d`` scalar or per element) -> int64 raw of ``dst`` (fits int64)."""
    w = dst.width
    d = np.asarray(d, dtype=np.int64)
    scalar_d = d.ndim == 0
    vu = v.view(np.uint64)
    neg = v < 0
    q: np.ndarray | None = None
    huge: np.ndarray | None = None
    if not scalar_d or int(d) > 0:
        # Right shift with rounding (only where d > 0).
        dc = np.clip(d, 1, 63)
        fl = v >> dc
        one = np.uint64(1)
        dcu = dc.astype(np.uint64)
        rem = vu & ((one << dcu) - one)
        qb = ((rem >> (dcu - one)) & one).astype(bool)
        r = (rem & ((one << (dcu - one)) - one)) != 0
        big = d >= 64
        if big.any():
            qb = np.where(big, neg, qb)
            r = np.where(big, (v != 0) & ~((d == 64) & (v == _I64_MIN)), r)
        inc = _round_inc(dst.rounding, qb, r, neg, (fl & 1).astype(bool))
        q = fl + inc
    if not scalar_d or int(d) <= 0:
        k = -d
        kc = np.clip(k, 0, 63)
        lim_hi = np.int64(_I64_MAX) >> kc
        lim_lo = np.int64(_I64_MIN) >> kc
        hg = (v > lim_hi) | (v < lim_lo) | ((k >= 64) & (v != 0))
        pat = np.where(k >= 64, np.uint64(0), vu << kc.astype(np.uint64)).view(np.int64)
        if q is None:
            q, huge = pat, hg
        else:
            pos = d > 0
            q = np.where(pos, q, pat)
            huge = hg & ~pos
    assert q is not None  # d > 0 or d <= 0: one of the branches above ran
    lo, hi = dst.raw_min, dst.raw_max
    if huge is not None and huge.any():
        over = np.where(huge, ~neg, q > hi)
        under = np.where(huge, neg, q < lo)
    else:
        over = q > hi
        under = q < lo
    mode = dst.saturation
    if mode == "AP_WRAP":
        out = _wrap64(q, dst)
        n = dst.sat_bits
        if n:
            bad = over | under
            if bad.any():
                u = out.view(np.uint64) & np.uint64((1 << w) - 1)
                top = np.uint64(((1 << n) - 1) << (w - n))
                if dst.signed:
                    msb = np.uint64(1 << (w - 1))
                    forced = np.where(under, msb, top & ~msb)
                    u2 = (u & ~top) | forced
                else:
                    u2 = u | top
                out = np.where(bad, _sext64(u2, dst), out)
        return out
    if mode == "AP_SAT_ZERO":
        return np.where(over | under, np.int64(0), q)
    if mode == "AP_SAT_SYM" and dst.signed:
        under = under | (q == lo)
        lo = lo + 1 if w > 1 else lo
    out = np.where(over, np.int64(hi), np.where(under, np.int64(lo), q))
    return out


def _sext64(u: np.ndarray, t: FixedType) -> np.ndarray:
    """Low ``t.width`` bits of uint64 ``u`` as raw int64 (sign-extended if signed)."""
    w = t.width
    if t.signed:
        sh = np.uint64(64 - w)
        return (u << sh).view(np.int64) >> sh.astype(np.int64)
    return (u & np.uint64((1 << w) - 1)).view(np.int64)


def _wrap64(q: np.ndarray, t: FixedType) -> np.ndarray:
    return _sext64(q.view(np.uint64), t)


def _cast_simple(v: np.ndarray, d: int, vmin: int, vmax: int, dst: FixedType) -> np.ndarray:
    """The common case: every intermediate provably fits int64 (checked from the
    data's ``vmin``/``vmax``), so rounding is one add and one arithmetic shift,
    and overflow handling is skipped when no value can leave ``dst``'s range."""
    mode = dst.rounding
    if d > 0:
        h = 1 << (d - 1)
        if mode == "AP_TRN":
            q = v >> d
        elif mode == "AP_RND":
            q = (v + h) >> d
        elif mode == "AP_RND_MIN_INF":
            q = (v + (h - 1)) >> d
        elif mode == "AP_RND_ZERO":
            q = (v + (h - 1) + (v < 0)) >> d
        elif mode == "AP_RND_INF":
            q = (v + h - (v < 0)) >> d
        elif mode == "AP_RND_CONV":
            q = (v + (h - 1) + ((v >> d) & 1)) >> d
        else:  # AP_TRN_ZERO
            q = (v + ((v >> 63) & ((1 << d) - 1))) >> d
        qmin, qmax = vmin >> d, (vmax >> d) + (mode != "AP_TRN")  # rounding is monotone
    else:
        q = v << -d if d else v.copy()
        qmin, qmax = vmin << -d, vmax << -d
    lo, hi = dst.raw_min, dst.raw_max
    sym = dst.saturation == "AP_SAT_SYM" and dst.signed
    if lo <= qmin and qmax <= hi and not (sym and qmin == lo):
        return q
    return _overflow_exact(q, dst)


def _overflow_exact(q: np.ndarray, dst: FixedType) -> np.ndarray:
    """Overflow handling of exact int64 quantized values."""
    lo, hi = dst.raw_min, dst.raw_max
    sym = dst.saturation == "AP_SAT_SYM" and dst.signed
    w = dst.width
    o = dst.saturation
    if o == "AP_WRAP" and not dst.sat_bits:
        if dst.signed:
            return ((q + (1 << (w - 1))) & ((1 << w) - 1)) - (1 << (w - 1))
        return q & ((1 << w) - 1)
    if o == "AP_SAT" or (o == "AP_SAT_SYM" and not sym):
        return np.clip(q, lo, hi)
    if sym:
        return np.clip(q, lo + 1 if w > 1 else lo, hi)
    if o == "AP_SAT_ZERO":
        return np.where((q < lo) | (q > hi), np.int64(0), q)
    return _cast_fast(q, 0, dst)  # AP_WRAP with saturation bits


def _cast_d(raw: RawLike, d: ShiftLike, dst: FixedType) -> np.ndarray:
    v, is64 = _as_raw_array(raw)
    if is64 and dst.fits_int64:
        if np.ndim(d) == 0 and -62 <= d <= 62 and v.size:
            vmin, vmax = int(v.min()), int(v.max())
            bits = max(vmin.bit_length(), vmax.bit_length()) + max(0, -int(d))
            if bits <= 61:
                return _cast_simple(v, int(d), vmin, vmax, dst)
        return _cast_fast(v, d, dst)
    return cast_object(v, d, dst)


# -- public API ---------------------------------------------------------------


def cast(raw: RawLike, src: FixedType, dst: FixedType) -> np.ndarray:
    """``dst_t y = src_t x;`` on raw integers: quantize with dst.rounding, then
    overflow with dst.saturation/sat_bits, bit-exact to ap_fixed.

    The conversion depends only on the value ``raw * 2**-src.frac``, so raw
    integers beyond ``src``'s range (a sum not yet wrapped, say) convert as
    from a type wide enough to hold them.  Returns int64 when ``dst`` fits 64
    bits, else an object array of Python ints.
    """
    return np.asarray(_cast_d(raw, src.frac - dst.frac, dst))


def _double_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed 54-bit mantissa and fractional bits of each double, as the
    ap_fixed(double) constructor reads them (subnormal/inf/NaN included)."""
    bits = x.view(np.uint64)
    expf = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64)
    manf = (bits & np.uint64((1 << 52) - 1)).astype(np.int64)
    man = manf | np.int64(1 << 52)
    man = np.where((bits >> np.uint64(63)).astype(bool), -man, man)
    man = np.where((bits << np.uint64(1)) == 0, np.int64(0), man)  # +-0.0
    frac2 = 52 - (expf - 1023)
    return man, frac2


def from_float(x: npt.ArrayLike, t: FixedType) -> np.ndarray:
    """``t_t y = (double)x;``: the exact double value quantized/overflowed with t's modes."""
    xa = np.asarray(x, dtype=np.float64)
    shape = xa.shape
    xa = np.ascontiguousarray(xa.reshape(-1))
    if not t.fits_int64:
        man, frac2 = _double_parts(xa)
        return np.asarray(_cast_d(man, frac2 - t.frac, t)).reshape(shape)
    # Fast path in floating point: scaling by 2**frac is exact while the result
    # stays a normal double, and floor/fraction of |x * 2**frac| are exact.
    with np.errstate(all="ignore"):
        scaled = np.ldexp(xa, t.frac)
        a = np.abs(scaled)
        ok = (a < 2.0**62) & (((a >= 2.0**-1022) & (np.abs(xa) >= 2.0**-1022)) | (xa == 0))
    a = np.where(ok, a, 0.0)
    n = np.floor(a)
    fr = a - n
    n = n.astype(np.int64)
    neg = xa < 0
    nz = fr > 0
    floor = np.where(neg, -n - nz, n)
    eq_half = fr == 0.5
    gt_half = np.where(neg, nz & (fr < 0.5), fr > 0.5)
    qb = gt_half | eq_half
    r = nz & ~eq_half
    q = floor + _round_inc(t.rounding, qb, r, neg, (floor & 1).astype(bool))
    out = np.array(_overflow_exact(q, t), dtype=np.int64)
    if not ok.all():
        bad = ~ok
        man, frac2 = _double_parts(xa[bad])
        out[bad] = _cast_d(man, frac2 - t.frac, t)
    return out.reshape(shape)


def to_float(raw: RawLike, t: FixedType) -> np.ndarray:
    """Raw -> float64 (round to nearest even, as ``ap_fixed::to_double``)."""
    v, is64 = _as_raw_array(raw)
    if is64:
        return np.asarray(np.ldexp(v.astype(np.float64), -t.frac))
    f = np.frompyfunc(lambda a: _int_to_double(int(a), t.frac), 1, 1)
    return np.asarray(f(v), dtype=np.float64)


def _int_to_double(a: int, frac: int) -> float:
    return float(Fraction(a) / (Fraction(2) ** frac))


def mul_type(a_t: FixedType, b_t: FixedType) -> FixedType:
    """Full-precision product type: ``ap_fixed<Wa+Wb, Ia+Ib>``, signed if either is."""
    return FixedType(a_t.signed or b_t.signed, a_t.width + b_t.width, a_t.integer + b_t.integer)


def add_type(a_t: FixedType, b_t: FixedType) -> FixedType:
    """Full-precision sum type (ap_fixed RType::plus): aligned fraction, one
    extra integer bit, and an unsigned operand gains a bit when mixed with a signed one."""
    ia = a_t.integer + (b_t.signed and not a_t.signed)
    ib = b_t.integer + (a_t.signed and not b_t.signed)
    i = max(ia, ib) + 1
    return FixedType(a_t.signed or b_t.signed, i + max(a_t.frac, b_t.frac), i)


def _binary_operands(a_raw: RawLike, b_raw: RawLike, out_t: FixedType) -> tuple[np.ndarray, np.ndarray, bool]:
    a, a64 = _as_raw_array(a_raw)
    b, b64 = _as_raw_array(b_raw)
    if a64 and b64 and out_t.fits_int64:
        return a, b, True
    return a.astype(object), b.astype(object), False


def mul_raw(a_raw: RawLike, a_t: FixedType, b_raw: RawLike, b_t: FixedType) -> tuple[np.ndarray, FixedType]:
    """``a * b`` in full precision: ``(raw, mul_type(a_t, b_t))`` (exact, never overflows)."""
    t = mul_type(a_t, b_t)
    a, b, fast = _binary_operands(a_raw, b_raw, t)
    out = a * b
    return (np.asarray(out) if fast else _normalize(out, t)), t


def add_raw(a_raw: RawLike, a_t: FixedType, b_raw: RawLike, b_t: FixedType) -> tuple[np.ndarray, FixedType]:
    """``a + b`` in full precision: ``(raw, add_type(a_t, b_t))``; ``acc += m`` is
    ``cast(*add_raw(acc, acc_t, m, m_t), acc_t)``."""
    t = add_type(a_t, b_t)
    a, b, fast = _binary_operands(a_raw, b_raw, t)
    sa, sb = t.frac - a_t.frac, t.frac - b_t.frac
    if fast:
        return np.asarray((a << np.int64(sa)) + (b << np.int64(sb))), t
    f = np.frompyfunc(lambda x, y: (int(x) << sa) + (int(y) << sb), 2, 1)
    return _normalize(f(a, b), t), t


def _normalize(out: npt.ArrayLike, t: FixedType) -> np.ndarray:
    out = np.asarray(out, dtype=object)
    return out.astype(np.int64) if t.fits_int64 else out


def to_int(raw: RawLike, t: FixedType) -> np.ndarray:
    """``(int)x`` / ``x.to_int()``: truncation toward zero (C semantics, the header
    adds 1 to a negative value with dropped fraction bits), then the C ``int``
    conversion wraps to 32 bits.  Types with integer <= 0 give 0.
    Returns int64 (values in int32 range)."""
    v, is64 = _as_raw_array(raw)
    if t.integer <= 0:
        return np.zeros(v.shape, dtype=np.int64)
    f = t.frac
    if is64:
        if f > 0:
            fc = min(f, 63)
            fl = v >> np.int64(fc)
            frac_nz = (v & np.int64((1 << fc) - 1)) != 0
            q = fl + ((v < 0) & frac_nz)
        elif -f < 64:
            q = (v.view(np.uint64) << np.uint64(-f)).view(np.int64)
        else:
            q = np.zeros_like(v)
        q = np.asarray(q)
        return np.asarray(((q.view(np.uint64) & np.uint64(0xFFFFFFFF)) ^ np.uint64(1 << 31)).view(np.int64) - (1 << 31))

    def one(a: int) -> int:
        a = int(a)
        q = (-((-a) >> f) if a < 0 else a >> f) if f > 0 else a << -f
        q &= 0xFFFFFFFF
        return q - (1 << 32) if q >> 31 else q

    return np.asarray(np.frompyfunc(one, 1, 1)(v), dtype=object).astype(np.int64)


def bit_pattern(raw: RawLike, t: FixedType) -> np.ndarray:
    """The W-bit two's-complement pattern as an unsigned integer (uint64 when W <= 64)."""
    v, is64 = _as_raw_array(raw)
    if is64 and t.width <= 64:
        return np.asarray(v.view(np.uint64) & np.uint64((1 << t.width) - 1))
    mask = (1 << t.width) - 1
    return np.asarray(np.frompyfunc(lambda a: int(a) & mask, 1, 1)(v), dtype=object)


def from_bit_pattern(u: npt.ArrayLike, t: FixedType) -> np.ndarray:
    """Inverse of :func:`bit_pattern`: W-bit pattern -> raw (int64 when ``t`` fits)."""
    a = np.asarray(u)
    w = t.width
    if t.fits_int64 and a.dtype != object and a.dtype.kind in "iu" and (w <= 64):
        return np.asarray(_sext64(a.astype(np.uint64), t))
    mask = (1 << w) - 1

    def one(x: int) -> int:
        x = int(x) & mask
        return x - (1 << w) if t.signed and x >> (w - 1) else x

    return _normalize(np.frompyfunc(one, 1, 1)(a), t)
