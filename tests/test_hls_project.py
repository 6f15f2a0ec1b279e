"""Importing hls4ml project directories (fpga_prune.hls.project) into the IR."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import DenseLayer
from fpga_prune.errors import InputError
from fpga_prune.hls.project import read_project
from tiers import cal_path, calibration, designs

REPO = Path(__file__).resolve().parents[1]
CALIBRATION = cal_path()
DESIGNS = designs()


@calibration
def test_calibration_designs_are_there():
    assert len(DESIGNS) == 33


@calibration
@pytest.mark.parametrize("design", DESIGNS, ids=lambda p: p.parent.name)
def test_every_shared_design_imports(design):
    doc = json.loads(design.read_text())["design"]
    chain = doc["layers"]
    prj = read_project(design.parent)
    net = prj.network
    # a BatchNormalization ("3(bn)+relu") is imported as hls4ml computes it: a diagonal Dense named bn<k>
    norms = [lay for lay in net.layers if isinstance(lay, DenseLayer) and lay.name.startswith("bn")]
    dense = [lay for lay in net.layers if isinstance(lay, DenseLayer) and lay not in norms]
    assert len(norms) == chain.count("(bn)")
    for bn in norms:
        assert np.count_nonzero(bn.weights - np.diag(np.diag(bn.weights))) == 0 and bn.n_in == bn.n_out
    widths = [int(t.split("(")[0]) for t in chain.split(">")]
    assert [d.n_in for d in dense] == widths[:-1] and [d.n_out for d in dense] == widths[1:]
    assert net.n_inputs == widths[0]
    assert str(net.input_type) == str(FixedType.parse(doc["input_precision"]))
    # hls4ml's n_zeros counts the float zeros; the cast to the weight type can only add zeros
    assert sum(int(np.count_nonzero(d.weights == 0)) for d in dense) >= int(doc["n_zero_weights"])
    assert prj.part == doc["part"] and prj.clock_period_ns == float(doc["clock_period_ns"])
    tool = prj.hls_tool
    assert tool is not None and tool.split("-")[1] == doc["tool_version"]
    assert (prj.mul_impl is not None) == ("config_op mul" in doc["nondefault_options"])


@calibration
def test_a_weight_is_cast_with_its_type_as_the_cpp_does():
    prj = read_project(CALIBRATION / "jet_q6prune_rf1_u250_vhls2019")
    first = prj.network.layers[0]
    text = (CALIBRATION / "jet_q6prune_rf1_u250_vhls2019/firmware/weights/w2.txt").read_text().split(",")
    vals = np.array([float(t) for t in text if t.strip()])
    # ap_fixed<6,1> (AP_TRN, AP_WRAP): raw = floor(v * 32), wrapped to 6 bits
    raw = np.floor(vals * 32).astype(np.int64)
    raw = ((raw + 32) % 64) - 32
    assert np.array_equal(first.weights.ravel(), raw)


def _keras_model():
    import keras

    model = keras.Sequential(
        [
            keras.layers.Input((7,)),
            keras.layers.Dense(9, activation="relu", name="odd_fc1"),
            keras.layers.Dense(5, name="fc2"),
            keras.layers.Activation("sigmoid", name="sig"),
            keras.layers.Dense(3, name="head"),
            keras.layers.Activation("softmax", name="sm"),
        ]
    )
    rng = np.random.default_rng(7)
    for layer in model.layers:
        w = layer.get_weights()
        if w:
            layer.set_weights([rng.normal(0, 0.6, size=a.shape).astype(np.float32) for a in w])
    return model


@pytest.mark.parametrize("strategy,rf", [("latency", 1), ("resource", 3)])
def test_hls4ml_13_project_imports_equal_to_network_from_keras(tmp_path, strategy, rf):
    from fpga_prune.hls.adapter import convert, network_from_keras
    from fpga_prune.hls.settings import HlsSettings

    model = _keras_model()
    settings = HlsSettings(
        default_precision="ap_fixed<12,4>", strategy=strategy, reuse_factor=rf, input_precision="ap_fixed<10,3>"
    )
    convert(model, settings, tmp_path / "prj").write()
    got = read_project(tmp_path / "prj")
    want = network_from_keras(model, settings)
    assert got.source == "firmware" and got.part == settings.part and got.clock_period_ns == 5.0
    assert str(got.network.input_type) == "ap_fixed<10,3>"  # a Sequential model's input precision reaches hls4ml
    assert got.clock_uncertainty == "27%"
    assert len(got.network.layers) == len(want.layers)
    for a, b in zip(got.network.layers, want.layers):
        assert (a.kind, a.name) == (b.kind, b.name)
        assert str(a.input_type) == str(b.input_type) and str(a.result_type) == str(b.result_type)
        if isinstance(a, DenseLayer):
            for t in ("weight_type", "bias_type", "accum_type"):
                assert str(getattr(a, t)) == str(getattr(b, t))
            assert np.array_equal(a.weights, b.weights) and np.array_equal(a.biases, b.biases)
            assert (a.strategy, a.reuse_factor) == (b.strategy, b.reuse_factor)
    # the whole IR, tables and softmax params included, is the same document
    assert got.network.to_json().replace('"myproject"', '"x"') == want.to_json().replace('"myproject"', '"x"')


def test_unknown_layer_names_layer_and_file(tmp_path):
    from fpga_prune.hls.adapter import convert
    from fpga_prune.hls.settings import HlsSettings

    model = _keras_model()
    convert(model, HlsSettings(), tmp_path / "prj").write()
    top = tmp_path / "prj" / "firmware" / "myproject.cpp"
    top.write_text(top.read_text().replace("nnet::sigmoid<", "nnet::hard_tanh<"))
    with pytest.raises(InputError) as exc:
        read_project(tmp_path / "prj")
    msg = str(exc.value)
    assert str(top) in msg and "layer sig" in msg and "nnet::hard_tanh" in msg and "\n" not in msg


def test_pre_1_0_stable_softmax_is_imported_under_its_own_name(tmp_path):
    from fpga_prune.arith import emulate
    from fpga_prune.arith.ir import STABLE_PRE_1_0
    from fpga_prune.errors import InputError
    from fpga_prune.hls.adapter import convert
    from fpga_prune.hls.settings import HlsSettings
    from fpga_prune.rtl.render import render_rtl

    convert(_keras_model(), HlsSettings(), tmp_path / "prj").write()
    params = tmp_path / "prj" / "firmware" / "parameters.h"
    params.write_text("\n".join(line for line in params.read_text().splitlines() if "inp_norm_t" not in line))
    net = read_project(tmp_path / "prj").network
    sm = net.layers[-1]
    assert sm.activation == "softmax" and sm.softmax.implementation == STABLE_PRE_1_0
    assert sm.table_types["exp"].width == 18 and sm.softmax.exp_table_size == 1024  # enough to estimate
    assert emulate.predict_raw(net, np.zeros((1, net.n_inputs), dtype=np.int64)).shape == (1, 3)
    with pytest.raises(InputError, match="no RTL rendering"):
        render_rtl(net)


def test_pre_1_0_stable_softmax_saturates_the_difference_in_the_input_type():
    """hls4ml 0.x: d = x - max in ap_fixed<W, I, AP_RND, AP_SAT> of the input type addresses the exp
    table; a difference beyond the type's range saturates (checked bit for bit against the C simulation
    of public hls4ml 0.8 firmware, k-diep/CE6370: 5,000 vectors, 0 mismatches; see the closing note)."""
    from fpga_prune.arith import emulate
    from fpga_prune.arith.ir import STABLE_PRE_1_0, FixedNetwork, SoftmaxParams
    from fpga_prune.arith.tables import softmax_layer

    in_t, out_t = FixedType(True, 8, 3), FixedType(True, 16, 2)  # inputs in [-4, 3.97]
    exp_t, inv_t = FixedType(True, 18, 8), FixedType(True, 18, 4)
    params = SoftmaxParams(STABLE_PRE_1_0, 256, 1024, exp_t, exp_t)  # 256 entries: every input bit
    net = FixedNetwork("s", in_t, 3, (softmax_layer("sm", in_t, out_t, 3, params, exp_t, inv_t),))
    raw = lambda v: np.round(np.asarray(v, dtype=float) * 2**in_t.frac).astype(np.int64)  # noqa: E731
    out = emulate.predict_raw(net, raw([[1.0, 0.0, -1.0], [3.0, -3.0, 3.0], [3.0, -1.0, 3.0]])) / 2**out_t.frac
    ref = np.exp([1.0, 0.0, -1.0]) / np.exp([1.0, 0.0, -1.0]).sum()
    assert np.abs(out[0] - ref).max() < 0.02
    # -3 - 3 = -6 does not fit ap_fixed<8,3>: it saturates to -4, the difference of -1 - 3
    assert out[1].tolist() == out[2].tolist()
    assert out[1][1] == pytest.approx(np.exp(-4) / (2 + np.exp(-4)), abs=0.002)  # not e^-6/(2+e^-6) = 0.0012


def test_exports_as_other_frontends_write_them_import_the_same(tmp_path):
    """A PyTorch-frontend project: sizes as products (x[2*3]), the input passed through a Flatten
    alias (auto& layer2_out = x;) and !!python/tuple shapes in hls4ml_config.yml."""
    from fpga_prune.hls.adapter import convert
    from fpga_prune.hls.settings import HlsSettings

    model = _keras_model()
    convert(model, HlsSettings(), tmp_path / "prj").write()
    want = read_project(tmp_path / "prj").network
    fw = tmp_path / "prj" / "firmware"
    top = fw / "myproject.cpp"
    text = top.read_text()
    name = re.search(r"input_t (\w+)\[7\]", text).group(1)
    text = text.replace(f"input_t {name}[7]", "input_t x[7*1]")
    text = text.replace(
        "// hls-fpga-machine-learning insert layers\n",
        "// hls-fpga-machine-learning insert layers\n    auto& layer_flat = x;\n",
    )
    text = re.sub(rf"\(\s*{name}\s*,", "(layer_flat,", text)
    top.write_text(text)
    yml = tmp_path / "prj" / "hls4ml_config.yml"
    yml.write_text(yml.read_text() + "InputShape: !!python/tuple\n- 7\n")
    got = read_project(tmp_path / "prj").network
    assert got.to_json() == want.to_json()
