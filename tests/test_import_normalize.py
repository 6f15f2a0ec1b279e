"""hls4ml's BatchNormalization (``nnet::normalize``) in a foreign project: imported, modelled bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fpga_prune.arith.ir import DenseLayer
from fpga_prune.hls.project import read_project
from hls_projects import bn_model, verify_model_check, write_project


def _bn_project(tmp_path: Path) -> Path:
    """``hls_projects.bn_model`` as an hls4ml project."""
    return write_project(bn_model(), tmp_path / "bn_prj", default_precision="ap_fixed<14,5>")


def test_normalize_is_a_diagonal_dense_with_an_exact_accumulator(tmp_path):
    prj = _bn_project(tmp_path)
    net = read_project(prj).network
    names = [lay.name for lay in net.layers]
    assert names == ["fc1", "fc1_relu", "bn", "fc2"]
    bn = net.layers[2]
    assert isinstance(bn, DenseLayer) and bn.n_in == bn.n_out == 8
    assert np.count_nonzero(bn.weights - np.diag(np.diag(bn.weights))) == 0 and np.count_nonzero(np.diag(bn.weights))
    # the exact sum x*s + b: fractional bits of input + scale, never fewer than the bias's
    assert bn.accum_type.frac == max(bn.input_type.frac + bn.weight_type.frac, bn.bias_type.frac)
    assert bn.input_type == net.layers[1].result_type and net.layers[3].input_type == bn.result_type


@pytest.mark.slow
def test_normalize_model_matches_the_c_simulation(tmp_path):
    model = verify_model_check(_bn_project(tmp_path))
    assert model["modelled"] and model["vectors"] == 3000 and model["mismatches"] == 0
    assert {row["layer"]: row["disagreeing_vectors"] for row in model["layers"]}["bn"] == 0
