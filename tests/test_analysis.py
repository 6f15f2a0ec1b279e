"""The IR analyses emulate, rtl and estimate share: accumulation order, adder tree, live neurons."""

from __future__ import annotations

import numpy as np
import pytest

from fpga_prune.arith.analysis import accumulation_order, input_live, live_neurons, reduce_tree
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import ActivationLayer, DenseLayer, FixedNetwork, SoftmaxParams
from fpga_prune.testing import softmax_layer, synthetic_network

INT8 = FixedType.parse("ap_fixed<8,8>")


def _dense(w, strategy="latency", rf=1):
    w = np.asarray(w, dtype=np.int64)
    return DenseLayer(
        name="d",
        input_type=INT8,
        weight_type=INT8,
        bias_type=INT8,
        accum_type=INT8,
        result_type=INT8,
        weights=w,
        biases=np.zeros(w.shape[1], np.int64),
        strategy=strategy,
        reuse_factor=rf,
    )


def test_resource_rf_leq_nin_accumulates_in_strided_order():
    order = accumulation_order(_dense(np.ones((64, 32)), "resource", 8))
    assert order[:10].tolist() == [0, 8, 16, 24, 32, 40, 48, 56, 1, 9]
    assert sorted(order.tolist()) == list(range(64))
    assert accumulation_order(_dense(np.ones((12, 64)), "resource", 24)).tolist() == list(range(12))
    assert accumulation_order(_dense(np.ones((5, 2)), "latency", 4)).tolist() == [0, 1, 2, 3, 4]


def test_reduce_tree_splits_like_nnet_reduce():
    assert reduce_tree(1) == ()
    assert reduce_tree(2) == ((0, 1),)
    # 3 leaves: left part 2**floor(log2 2) = 2 leaves -> (0+1), then + 2
    assert reduce_tree(3) == ((0, 1), (3, 2))
    # 5 leaves: left 4 = ((0+1)+(2+3)), right the single leaf 4
    assert reduce_tree(5) == ((0, 1), (2, 3), (5, 6), (7, 4))
    # 6 leaves: left 4, right 2; n - 1 adds, the root last
    assert reduce_tree(6) == ((0, 1), (2, 3), (6, 7), (4, 5), (8, 9))
    with pytest.raises(ValueError):
        reduce_tree(0)


def test_live_neurons_drop_what_no_output_reads():
    net = synthetic_network(0)
    live = live_neurons(net)
    assert 31 not in live[0] and live[0] == live[1]  # relu passes liveness through, element-wise
    assert live[-1] == [0]
    assert input_live(net) == list(range(11))  # input 11 was pruned away
    t = FixedType(True, 8, 3)
    head = softmax_layer("sm", t, t, 3)
    dead_in = _dense([[1, 0, 0], [0, 0, 0]])
    sm_net = FixedNetwork("s", INT8, 2, (dead_in, ActivationLayer("r", "relu", INT8, t, 3), head))
    assert live_neurons(sm_net) == [[0, 1, 2]] * 3  # softmax needs every input
    assert input_live(sm_net) == [0]


def test_softmax_parameters_are_typed_and_checked():
    t = FixedType(True, 18, 8, "AP_RND", "AP_SAT")
    with pytest.raises(ValueError, match="'fancy' is not one of stable, latency, legacy, argmax"):
        SoftmaxParams("fancy", 1024, 1024, t, t)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stable' needs inp_norm_type"):
        SoftmaxParams("stable", 1024, 1024, t, t)
    sm = softmax_layer("sm", FixedType(True, 16, 6), FixedType(True, 16, 6), 3)
    assert sm.softmax.inp_norm_type == FixedType(False, 15, 5)
    assert sm.params() == {
        "implementation": "stable",
        "exp_table_size": 1024,
        "inv_table_size": 1024,
        "accum_type": str(t),
        "inv_inp_type": str(t),
        "inp_norm_type": "ap_ufixed<15,5>",
    }
    with pytest.raises(ValueError, match="softmax layer needs SoftmaxParams"):
        ActivationLayer("sm", "softmax", t, t, 3)
