"""A seeded sample of bench/fuzz_bitexact.py: random small networks, emulate == hls4ml C simulation,
and the search's fast path builds hls4ml's network.

8 networks (1-4 Dense layers, random narrow/unsigned/rounding/saturating
types, reuse factors, both strategies, every output activation, sparsity),
compiled with g++ two at a time; about 25 s of CPU.  The thousand-network run is
the bench's (``bench/fuzz_bitexact.py``, README).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import fpga_prune  # noqa: F401  (legacy Keras first)

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parents[1] / "bench" / "fuzz_bitexact.py"


@pytest.fixture(scope="module")
def fuzz():
    spec = importlib.util.spec_from_file_location("fuzz_bitexact", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_draws_are_deterministic_and_cover_the_space(fuzz):
    cases = [fuzz.draw_case(7, i) for i in range(200)]
    assert [c.to_dict() for c in cases[:5]] == [fuzz.draw_case(7, i).to_dict() for i in range(5)]
    assert {len(c.activations) for c in cases} == {1, 2, 3, 4}
    assert {c.activations[-1] for c in cases} == {"relu", "sigmoid", "softmax", "linear"}
    assert min(min(c.widths) for c in cases) == 1 and max(max(c.widths) for c in cases) == 32
    text = " ".join(c.settings.to_json() for c in cases)
    for token in ("ap_ufixed", "AP_SAT_SYM", "AP_SAT_ZERO", "AP_RND_CONV", "AP_RND_MIN_INF", "resource", "latency"):
        assert token in text, token
    assert {c.sparsity for c in cases} >= {0.0, 0.9}


def test_edge_inputs_come_first(fuzz):
    from fpga_prune.arith.fixed import FixedType

    t = FixedType(True, 6, 2)
    x = fuzz.draw_inputs(t, 3, 50, np.random.default_rng(0))
    assert x.shape == (50, 3)
    assert x[:3].tolist() == [[-32] * 3, [31] * 3, [0] * 3]
    assert x.min() == -32 and x.max() == 31


def test_an_ir_difference_is_a_failure(fuzz):
    ok = {"index": 0, "widths": [2, 1], "activations": ["linear"], "vectors": 10, "mismatches": 0}
    res = fuzz.summary(
        [ok, {**ok, "index": 1, "ir_differs": "input_type ap_fixed<6,5> vs hls4ml ap_fixed<10,9>"}], 1.0, {}
    )
    assert res["ir_differences"] == 1 and res["mismatches"] == 0 and res["errors"] == 0
    assert [r["index"] for r in res["failures"]] == [1] and res["ir_difference_fields"] == {"input_type": 1}
    assert fuzz.exit_status(res) == 1 and fuzz.exit_status(fuzz.summary([ok], 1.0, {})) == 0


def test_seeded_sample_is_bit_exact_and_replays(fuzz, tmp_path):
    res = fuzz.fuzz(networks=8, seed=20261201, vectors=200, out=tmp_path, save_all=True)
    assert res["networks"] == 8 and res["errors"] == 0, json.dumps(res["failures"])[:2000]
    assert res["vectors"] == 8 * 200
    assert res["mismatches"] == 0, json.dumps(res["failures"])[:2000]
    # the search's fast path (network_from_keras) built the network hls4ml built, every time
    assert res["ir_differences"] == 0 and not res["failures"], json.dumps(res["ir_difference_examples"])[:2000]
    assert len((tmp_path / "progress-20261201.jsonl").read_text().splitlines()) == 8
    # every network saved for replay; one replayed against a fresh compile
    saved = tmp_path / "net-20261201-0007"
    assert len(list(tmp_path.glob("net-20261201-*"))) == 8
    assert sorted(p.name for p in saved.iterdir()) == [
        "case.json",
        "inputs_raw.dat",
        "model.h5",
        "network.json",
        "settings.json",
    ]
    again = fuzz.replay(saved)
    assert again["networks"] == 1 and again["errors"] == 0
    assert again["vectors"] == 200 and again["mismatches"] == 0 and again["ir_differences"] == 0
    case = json.loads((saved / "case.json").read_text())
    assert case["case"]["index"] == 7 and case["result"]["vectors"] == 200
