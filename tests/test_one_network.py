"""One network: the search's fast path (``network_from_keras``) builds what hls4ml builds from the same settings.

Each case converts with hls4ml (no compile, about a second) and compares the
two IRs field for field; ``bench/fuzz_bitexact.py`` does the same on random
networks (tests/test_fuzz_bitexact.py).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import tensorflow as tf

import fpga_prune  # noqa: F401  (legacy Keras first)
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import ActivationLayer, FixedNetwork
from fpga_prune.hls import adapter as ha
from fpga_prune.hls import graph_rules
from fpga_prune.hls.settings import HlsSettings


def _both(model, settings: HlsSettings, tmp_path) -> FixedNetwork:
    """hls4ml's network of ``model``; asserts the fast path built the same one."""
    hls = ha.network_from_hls(ha.convert(model, settings, tmp_path / "prj"), name="myproject")
    assert ha.network_from_keras(model, settings).to_json() == hls.to_json()
    return hls


def _mlp(out_act: str = "linear", hidden_act: str = "relu", inp: str = "input"):
    tf.keras.utils.set_random_seed(3)
    if inp == "input_shape":  # Keras names the InputLayer itself
        first = [tf.keras.layers.Dense(5, activation=hidden_act, name="fc1", input_shape=(4,))]
    else:
        first = [tf.keras.layers.Input((4,), name="x_in"), tf.keras.layers.Dense(5, activation=hidden_act, name="fc1")]
    if inp == "functional":
        x = tf.keras.Input((4,), name="x_in")
        y = tf.keras.layers.Dense(5, activation=hidden_act, name="fc1")(x)
        return tf.keras.Model(x, tf.keras.layers.Dense(3, activation=out_act, name="fc2")(y))
    return tf.keras.Sequential(first + [tf.keras.layers.Dense(3, activation=out_act, name="fc2")])


@pytest.mark.parametrize("inp", ["input", "input_shape", "functional"])
def test_input_precision_reaches_hls4ml_and_the_fast_path(tmp_path, inp):
    model = _mlp(inp=inp)
    net = _both(model, HlsSettings(input_precision="ap_fixed<9,3>"), tmp_path)
    assert str(net.input_type) == "ap_fixed<9,3>"
    assert str(net.layers[0].input_type) == "ap_fixed<9,3>"
    # the input layer's own entry wins over the model-wide input precision, on both paths
    (name,) = ha.input_layer_names(model)
    net = _both(
        model, HlsSettings(input_precision="ap_fixed<9,3>").with_layer(name, result="ap_ufixed<6,2>"), tmp_path / "own"
    )
    assert str(net.input_type) == "ap_ufixed<6,2>"


def test_table_type_reaches_hls4ml_sigmoid_and_softmax(tmp_path):
    s = HlsSettings(table_type="ap_fixed<12,4,AP_RND,AP_SAT>", table_size=256)
    net = _both(_mlp(out_act="sigmoid"), s.with_layer("fc2_sigmoid", table_size=128), tmp_path / "sig")
    sig = net.layers[-1]
    assert isinstance(sig, ActivationLayer) and sig.table_size == 128
    assert sig.table_types == {"sigmoid": FixedType(True, 12, 4, "AP_RND", "AP_SAT")}
    net = _both(_mlp(out_act="softmax"), s, tmp_path / "softmax")  # the fast path converts softmax
    sm = net.layers[-1]
    assert set(sm.table_types.values()) == {FixedType(True, 12, 4, "AP_RND", "AP_SAT")}
    # legacy softmax reads nnet::activ_config's table_t (its config struct declares none): 18,8 whatever is set
    legacy = _both(_mlp(out_act="softmax"), replace(s, softmax_implementation="legacy"), tmp_path / "legacy")
    assert set(legacy.layers[-1].table_types.values()) == {ha.HLS4ML_TABLE_TYPE}
    default = _both(_mlp(out_act="sigmoid"), HlsSettings(), tmp_path / "default").layers[-1]
    assert default.table_types == {"sigmoid": ha.HLS4ML_TABLE_TYPE} and default.table_size == ha.HLS4ML_TABLE_SIZE


@pytest.mark.parametrize(
    ("dense", "linear", "kept"),
    [
        (None, None, False),  # 'auto' Dense result: hls4ml merges the linear layer away
        (None, "ap_fixed<8,3>", False),  # ... and its own type with it
        ("ap_fixed<8,3>", None, True),  # explicit Dense result: a cast to the default stays
        ("ap_fixed<16,6>", None, False),  # ... unless it equals the default (a no-op cast is dropped)
        ("ap_fixed<8,3>", "ap_fixed<8,3>", False),
        ("ap_fixed<8,3>", "ap_fixed<10,2,AP_RND,AP_SAT>", True),
    ],
)
def test_linear_activations_dropped_or_kept_as_hls4ml_does(tmp_path, dense, linear, kept):
    s = HlsSettings()
    if dense is not None:
        s = s.with_layer("fc2", result=dense)
    if linear is not None:
        s = s.with_layer("fc2_linear", result=linear)
    net = _both(_mlp(out_act="linear"), s, tmp_path)
    assert [layer.name for layer in net.layers][-1] == ("fc2_linear" if kept else "fc2")
    if kept:
        assert str(net.output_type) == (linear or "ap_fixed<16,6>")


def test_standalone_linear_activation_after_the_input(tmp_path):
    tf.keras.utils.set_random_seed(4)
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Input((4,), name="x_in"),
            tf.keras.layers.Activation("linear", name="lin"),
            tf.keras.layers.Dense(2, activation="relu", name="fc1"),
        ]
    )
    assert "lin" not in [layer.name for layer in _both(model, HlsSettings(), tmp_path / "a").layers]
    s = HlsSettings().with_layer("lin", result="ap_fixed<8,2>")
    assert "lin" in [layer.name for layer in _both(model, s, tmp_path / "b").layers]


def test_hls4ml_precision_equality_tells_int_from_fixed():
    assert graph_rules.precision_key("ap_int<8>") != graph_rules.precision_key("ap_fixed<8,8>")
    assert graph_rules.precision_key("fixed<8,8,TRN,WRAP,0>") == graph_rules.precision_key("ap_fixed<8,8>")
    assert not ha.linear_activation_stays("Dense", "ap_fixed<16,6>", "auto", "ap_fixed<16,6>")
    assert ha.linear_activation_stays("Input", "ap_int<8>", "auto", "ap_fixed<8,8>")
    assert not ha.linear_activation_stays("Input", "auto", "ap_fixed<16,6>", "fixed<16,6>")
