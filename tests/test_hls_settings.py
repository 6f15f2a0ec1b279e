"""HlsSettings: JSON form (byte for byte), validation errors, hls4ml precision spellings."""

from __future__ import annotations

import pytest

from fpga_prune.arith.fixed import FixedType
from fpga_prune.errors import InputError
from fpga_prune.hls.graph_rules import closest_reuse_factor
from fpga_prune.hls.settings import HlsSettings, to_fixed_type

DEFAULT_JSON = """{
 "clock_period_ns": 5.0,
 "default_precision": "ap_fixed<16,6>",
 "format": "fpga_prune.hls_settings/1",
 "input_precision": null,
 "io_type": "io_parallel",
 "layers": {},
 "part": "xcu250-figd2104-2L-e",
 "reuse_factor": 1,
 "softmax_implementation": "stable",
 "strategy": "latency",
 "table_size": 1024,
 "table_type": null
}
"""


def test_settings_json_is_stable():
    assert HlsSettings().to_json() == DEFAULT_JSON
    s = HlsSettings(strategy="resource").with_layer("dense", weight="ap_fixed<8,2>", reuse_factor=4)
    assert '"layers": {\n  "dense": {\n   "reuse_factor": 4,\n   "weight": "ap_fixed<8,2>"\n  }\n }' in s.to_json()


def test_settings_json_round_trip_and_errors(tmp_path):
    s = HlsSettings(strategy="resource", reuse_factor=2).with_layer(
        "fc2", accum="ap_fixed<20,8,AP_RND,AP_SAT>", reuse_factor=8
    )
    p = tmp_path / "hls_config.json"
    s.write(p)
    assert HlsSettings.read(p) == s
    assert HlsSettings.read(p).layer("fc2").reuse_factor == 8
    with pytest.raises(InputError, match="strategy"):
        HlsSettings.from_json('{"strategy": "fastest"}')
    with pytest.raises(InputError, match="layers.fc1.accum"):
        HlsSettings.from_json('{"layers": {"fc1": {"accum": "ap_fixed<20"}}}')
    with pytest.raises(InputError, match="unknown setting"):
        HlsSettings.from_json('{"reuse": 2}')
    with pytest.raises(InputError, match="'fancy' is not one of stable, latency, legacy, argmax"):
        HlsSettings.from_json('{"softmax_implementation": "fancy"}')


def test_hls4ml_precision_strings_parse_to_fixed_types():
    assert str(to_fixed_type("fixed<27,10,TRN,WRAP,0>")) == "ap_fixed<27,10>"
    assert str(to_fixed_type("ufixed<8,2,RND_CONV,SAT>")) == "ap_ufixed<8,2,AP_RND_CONV,AP_SAT>"
    assert to_fixed_type("ap_int<6>") == FixedType(True, 6, 6)


def test_resource_reuse_factor_snaps_to_the_closest_valid_one():
    # valid for 32x5 (estimate.valid_reuse_factors): 1, 2, 4, 8, 16, 32, 160
    assert closest_reuse_factor(32, 5, 8) == 8
    assert closest_reuse_factor(32, 5, 3) == 2  # tie between 2 and 4: the smaller
    assert closest_reuse_factor(32, 5, 100) == 160
    assert closest_reuse_factor(32, 5, 64) == 32
