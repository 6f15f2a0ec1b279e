import pytest

from fpga_prune.arith.fixed import FixedType


def test_parse_and_print_roundtrip():
    t = FixedType.parse("ap_fixed<28,11,AP_RND_CONV,AP_SAT>")
    assert (t.signed, t.width, t.integer, t.frac) == (True, 28, 11, 17)
    assert str(t) == "ap_fixed<28,11,AP_RND_CONV,AP_SAT>"
    assert str(FixedType.parse("ap_ufixed<8, 3>")) == "ap_ufixed<8,3>"
    assert FixedType.parse("ap_uint<4>").raw_max == 15


def test_parse_rejects_garbage():
    with pytest.raises(ValueError):
        FixedType.parse("float")
