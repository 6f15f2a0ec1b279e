"""hls4ml's lookup tables as its C++ builds them (glibc expf in float, then table_t)."""

from __future__ import annotations

import numpy as np

from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.tables import exp_table, invert_table, legacy_invert_table, sigmoid_table


def test_sigmoid_table_endpoints_and_midpoint():
    t = FixedType(True, 18, 8)
    table = sigmoid_table(1024, t)
    assert table[512] == 512  # sigmoid(0) = 0.5 -> 0.5 * 2**10
    assert table[0] == 0  # sigmoid(-8) = 3.35e-4 truncates to 0 at 10 fractional bits
    assert table[-1] == 1023  # sigmoid(7.98) = 0.99966 -> floor(1023.65)
    assert np.all(np.diff(table) >= 0) and table[768] == 1005  # sigmoid(4) = 0.98201 -> floor(1005.58)


def test_exp_and_invert_tables():
    tt = FixedType(True, 18, 8, "AP_RND", "AP_SAT")
    norm = FixedType(False, 15, 5)  # stable: max - x of an ap_fixed<16,6> input
    exp = exp_table(1024, norm, tt, 1.0, negative=True)
    assert exp[0] == 1 << 10  # exp(-0) = 1
    assert np.all(np.diff(exp) <= 0)  # exp(-x) falls with the address
    inv = invert_table(1024, tt, tt)
    assert inv[0] == tt.raw_max  # 1/0 = +inf saturates
    assert inv[1] == 4 << 10  # address 1 = 0.25 (index in the top 10 of 18 bits): 1/0.25 = 4
    assert legacy_invert_table(1024, FixedType(True, 18, 8))[0] == 0  # legacy: 1/0 is written as 0
