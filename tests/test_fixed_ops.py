"""Hand-checked behaviour of ``fpga_prune.arith.fixed`` (the exhaustive comparison
with the C++ headers is in test_fixed_vs_cpp.py)."""

from __future__ import annotations

import numpy as np
import pytest

from fpga_prune.arith import fixed
from fpga_prune.arith.fixed import FixedType

P = FixedType.parse
TIES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.25, 1.75])


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("AP_TRN", [-3, -2, -1, 0, 1, 2, -2, 1]),
        ("AP_TRN_ZERO", [-2, -1, 0, 0, 1, 2, -1, 1]),
        ("AP_RND", [-2, -1, 0, 1, 2, 3, -1, 2]),
        ("AP_RND_ZERO", [-2, -1, 0, 0, 1, 2, -1, 2]),
        ("AP_RND_INF", [-3, -2, -1, 1, 2, 3, -1, 2]),
        ("AP_RND_MIN_INF", [-3, -2, -1, 0, 1, 2, -1, 2]),
        ("AP_RND_CONV", [-2, -2, 0, 0, 2, 2, -1, 2]),
    ],
)
def test_quantization_modes_on_ties(mode, expected):
    src = P("ap_fixed<8,4>")  # 4 fractional bits: the ties are exact
    dst = P(f"ap_fixed<8,8,{mode},AP_WRAP>")
    raw = fixed.from_float(TIES, src)
    assert fixed.cast(raw, src, dst).tolist() == expected
    assert fixed.from_float(TIES, dst).tolist() == expected


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("AP_WRAP", [56, 127, -128, -56]),
        ("AP_SAT", [-128, 127, -128, 127]),
        ("AP_SAT_ZERO", [0, 127, -128, 0]),
        ("AP_SAT_SYM", [-127, 127, -127, 127]),
    ],
)
def test_overflow_modes(mode, expected):
    src, dst = P("ap_int<16>"), P(f"ap_fixed<8,8,AP_TRN,{mode}>")
    assert fixed.cast([-200, 127, -128, 200], src, dst).tolist() == expected


def test_unsigned_saturation_and_wrap_with_saturation_bits():
    src = P("ap_int<16>")
    assert fixed.cast([-5, 300, 7], src, P("ap_ufixed<8,8,AP_TRN,AP_SAT>")).tolist() == [0, 255, 7]
    assert fixed.cast([-5, 300], src, P("ap_ufixed<8,8,AP_TRN,AP_SAT_SYM>")).tolist() == [0, 255]
    # AP_WRAP with N=2: signed keeps the sign and forces the next bit to NOT sign...
    assert fixed.cast([200, -200, 5], src, P("ap_fixed<8,8,AP_TRN,AP_WRAP,2>")).tolist() == [
        0b01001000,
        -128 + 0b0111000,
        5,
    ]
    # ...unsigned forces the top N bits to one, on underflow too (as the header does)
    assert fixed.cast([300, -1, 5], src, P("ap_ufixed<8,8,AP_TRN,AP_WRAP,3>")).tolist() == [0b11101100, 0b11111111, 5]


def test_sat_sym_one_bit_signed_stays_at_min():
    assert fixed.cast([-3, 3], P("ap_int<4>"), P("ap_fixed<1,1,AP_TRN,AP_SAT_SYM>")).tolist() == [-1, 0]


def test_from_float_reads_the_exact_double():
    t = P("ap_fixed<16,6,AP_RND,AP_SAT>")  # lsb 2**-10
    # 0.1 is slightly above 0.1; 2**-11 exactly is a tie rounded up; the next double below is not
    x = np.array([0.1, 2.0**-11, np.nextafter(2.0**-11, 0), -(2.0**-11), 1e308, -np.inf, np.nan])
    assert fixed.from_float(x, t).tolist() == [102, 1, 0, 0, 32767, -32768, 32767]
    assert fixed.from_float(-0.0, t).item() == 0
    assert fixed.from_float(3, P("ap_ufixed<2,2>")).item() == 3


def test_to_float_round_trips_and_rounds_to_nearest_even():
    t = P("ap_fixed<12,4>")
    raw = np.arange(t.raw_min, t.raw_max + 1)
    assert np.array_equal(fixed.from_float(fixed.to_float(raw, t), t), raw)
    big = FixedType(True, 80, 80)
    assert fixed.to_float(np.array([(1 << 70) + 1], dtype=object), big).tolist() == [2.0**70]


def test_product_and_sum_types_follow_ap_fixed():
    a, b = P("ap_fixed<16,6>"), P("ap_ufixed<8,2>")
    raw, t = fixed.mul_raw(fixed.from_float(-1.5, a), a, fixed.from_float(0.75, b), b)
    assert str(t) == "ap_fixed<24,8>" and fixed.to_float(raw, t).item() == -1.125
    assert str(fixed.add_type(a, b)) == "ap_fixed<17,7>"  # unsigned 2 -> 3 integer bits, +1
    assert str(fixed.add_type(b, b)) == "ap_ufixed<9,3>"
    s, st = fixed.add_raw(fixed.from_float(-1.5, a), a, fixed.from_float(0.75, b), b)
    assert fixed.to_float(s, st).item() == -0.75


def test_wide_products_use_python_ints_exactly():
    a = P("ap_fixed<40,10>")
    x = np.array([a.raw_min, a.raw_max, -12345678901], dtype=np.int64)
    raw, t = fixed.mul_raw(x, a, x, a)
    assert t.width == 80 and raw.dtype == object
    assert [int(v) for v in raw] == [int(v) * int(v) for v in x]
    acc = P("ap_fixed<40,12,AP_RND_CONV,AP_SAT>")  # frac 28: product shifts right by 32
    y = fixed.cast(raw, t, acc)
    p = 12345678901**2
    half_even = (p >> 32) + ((p >> 31) & 1 and ((p & (2**31 - 1)) != 0 or (p >> 32) & 1))
    assert y.dtype == np.int64 and y.tolist() == [acc.raw_max, acc.raw_max, half_even]


def test_int64_fast_path_agrees_with_python_ints_on_extreme_shifts():
    rng = np.random.default_rng(7)
    v = rng.integers(-(1 << 62), 1 << 62, size=500)
    v[:4] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max, -1, 1]
    src = FixedType(True, 64, 0)  # frac 64
    for dst in (
        P("ap_fixed<20,-40,AP_RND_CONV,AP_SAT_SYM>"),
        P("ap_fixed<64,64,AP_RND_INF,AP_WRAP>"),
        FixedType(True, 30, 100, "AP_RND", "AP_WRAP", 3),
        FixedType(False, 63, -70, "AP_TRN_ZERO", "AP_SAT"),
    ):
        for s in (src, FixedType(True, 64, 130), FixedType(True, 64, -10)):
            fast = fixed.cast(v, s, dst)
            slow = fixed.cast_object(v.astype(object), s.frac - dst.frac, dst)
            assert fast.tolist() == slow.tolist(), (s, dst)


def test_to_int_truncates_toward_zero_and_wraps_to_32_bits():
    t = P("ap_fixed<8,4>")
    assert fixed.to_int(fixed.from_float([-7.5, -0.5, 3.5, -3.9375, 7.9375], t), t).tolist() == [-7, 0, 3, -3, 7]
    assert fixed.to_int([-3], P("ap_fixed<4,6>")).tolist() == [-12]  # integer > width: shifted up
    assert fixed.to_int([1 << 32 | 5], P("ap_uint<40>")).tolist() == [5]
    assert fixed.to_int([5], P("ap_fixed<8,0>")).tolist() == [0]


def test_bit_patterns_round_trip():
    t = P("ap_fixed<12,4>")
    raw = np.array([-2048, -1, 0, 2047])
    u = fixed.bit_pattern(raw, t)
    assert u.tolist() == [0x800, 0xFFF, 0, 0x7FF]
    assert fixed.from_bit_pattern(u, t).tolist() == raw.tolist()
    w = FixedType(True, 70, 10)
    big = np.array([-(1 << 69), (1 << 69) - 1], dtype=object)
    assert [int(x) for x in fixed.from_bit_pattern(fixed.bit_pattern(big, w), w)] == [int(x) for x in big]


def test_scalar_and_list_inputs_and_dtypes():
    t = P("ap_fixed<8,4,AP_RND,AP_SAT>")
    y = fixed.cast(5, P("ap_int<4>"), t)
    assert y.shape == () and int(y) == 80 and y.dtype == np.int64
    assert fixed.cast([[1, 2]], P("ap_int<4>"), t).shape == (1, 2)
    assert fixed.cast([1], P("ap_int<4>"), FixedType(False, 64, 64)).dtype == object
    for out in (
        fixed.from_float(np.nan, t),
        fixed.from_float(0.3, t),
        fixed.to_int(7, t),
        fixed.to_float(7, t),
        fixed.bit_pattern(-1, t),
    ):
        assert isinstance(out, np.ndarray) and out.shape == ()
    assert fixed.from_float(np.full((2, 3), 0.5), t).shape == (2, 3)


def test_sat_bits_validated():
    with pytest.raises(ValueError, match="sat_bits"):
        FixedType(True, 4, 2, "AP_TRN", "AP_WRAP", 5)


def test_cast_is_value_based_so_unwrapped_sums_can_be_cast():
    """emulate-style ``cast(a + b, acc_t, acc_t)``: raw beyond acc_t's range must
    still wrap/saturate, exactly as from a wider type with the same fraction."""
    rng = np.random.default_rng(3)
    for text in (
        "ap_fixed<12,4>",
        "ap_fixed<12,4,AP_RND_CONV,AP_SAT>",
        "ap_ufixed<10,2,AP_RND,AP_SAT_SYM>",
        "ap_fixed<9,3,AP_TRN,AP_WRAP,2>",
        "ap_fixed<6,2,AP_RND_ZERO,AP_SAT_ZERO>",
    ):
        acc = P(text)
        a = rng.integers(acc.raw_min, acc.raw_max + 1, size=2000)
        s = a + a[::-1]
        wide = FixedType(True, acc.width + 2, acc.integer + 2)
        got = fixed.cast(s, acc, acc)
        assert got.tolist() == fixed.cast(s, wide, acc).tolist()
        assert got.tolist() == fixed.cast_object(s.astype(object), 0, acc).tolist()
        assert ((got >= acc.raw_min) & (got <= acc.raw_max)).all()
        assert (got != s).any()  # some sums really did overflow
