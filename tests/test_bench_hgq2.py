"""bench_hgq2, the main-venv half of the HGQ2 baseline: the split export and an HGQ-style project's import.

None of this needs the HGQ2 venv: the project is hls4ml 1.3's with HGQ quantizer masks
(``hls_projects.hgq_project``), laid out as ``train_hgq2.py`` writes a sweep point.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import fpga_prune  # noqa: F401  (legacy Keras first)
from fpga_prune.arith import emulate
from fpga_prune.arith.ir import DA, DenseLayer
from fpga_prune.boards import load_board
from fpga_prune.data import load
from fpga_prune.estimate.core import EstimateOptions, estimate
from fpga_prune.model import features
from hls_projects import hgq_project

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def bh():
    sys.path.insert(0, str(BENCH))  # as bench_objective imports it
    return importlib.import_module("bench_hgq2")


def test_export_holds_exactly_the_rows_our_model_sees(bh, tmp_path):
    spec = features.FeatureSpec()
    splits = features.split(features.build(load("sample:btcusdt-5m"), spec), spec)
    path = bh.export_splits(splits, (64, 32), tmp_path / "splits.npz")
    d = np.load(path)
    for part in ("train", "val", "test"):
        ds = getattr(splits, part)
        assert d[f"X_{part}"].dtype == np.float32 and np.array_equal(d[f"X_{part}"], ds.X)
        assert np.array_equal(d[f"y_{part}"], ds.y)
    assert d["hidden"].tolist() == [64, 32] and int(d["n_classes"]) == 2
    # chronological and scaled with the train-only scaler: clipped at its bound, train mean ~0
    assert len(d["X_train"]) > len(d["X_val"]) > 0 and np.abs(d["X_test"]).max() <= splits.scaler.clip
    assert np.abs(d["X_train"].mean(axis=0)).max() < 0.1


def _sweep_dir(tmp_path: Path, bh, X: np.ndarray) -> tuple[Path, dict]:
    """One sweep point as train_hgq2.py leaves it: OUT/<point>/prj, OUT/<point>/pred.npz, points.json."""
    out = tmp_path / "hgq2"
    point = out / "beta1e-05-b4"
    point.mkdir(parents=True)
    prj = hgq_project(tmp_path)
    prj.rename(point / "prj")
    net = bh.read_project(point / "prj").network
    theirs = np.asarray(emulate.predict(net, X), dtype=np.float64)[:, 0]
    theirs[:3] += 0.25  # three rows on which "HGQ2" disagrees with the firmware
    np.savez(point / "pred.npz", val=theirs[:10], test=theirs)
    doc = {"points": [{"name": point.name, "beta": 1e-5, "init_bits": 4, "ebops": 1234, "epochs_run": 40}]}
    (out / "points.json").write_text(json.dumps(doc))
    return out, doc


def test_each_point_is_imported_as_written_and_as_distributed_arithmetic(bh, tmp_path):
    X = np.random.default_rng(0).normal(0, 2, (200, 6)).astype(np.float32)
    out, doc = _sweep_dir(tmp_path, bh, X)
    found = bh.designs(out, doc, X)
    assert [(d.point, d.strategy) for d in found] == [("beta1e-05-b4", "latency"), ("beta1e-05-b4", DA)]
    lat, da = found
    assert [lay.name for lay in lat.network.layers][:2] == ["q_in", "q_dense_3"]  # HGQ's input mask kept
    assert lat.test_agreement.to_dict() == {"n": 200, "exact": 197, "fraction": 0.985, "max_abs_diff": 0.25}
    dense_da = [lay for lay in da.network.layers if isinstance(lay, DenseLayer)]
    assert dense_da and all(lay.strategy == DA and lay.reuse_factor == 1 for lay in dense_da)
    # DA sums exactly; this project's accumulators (ap_fixed<30,14>) are wide enough to be exact too,
    # so both forms compute the same outputs and agree with "HGQ2" on the same rows
    assert np.array_equal(emulate.predict(lat.network, X), emulate.predict(da.network, X))
    assert da.test_agreement == lat.test_agreement
    board = load_board("pynq-z2")
    e_lat, e_da = (estimate(d.network, board, EstimateOptions(confidence=0.9)) for d in found)
    kinds = {lay.name: lay.kind for lay in e_lat.layers}
    lat_rows, da_rows = ({lay.name: (lay.dsp, lay.lut) for lay in e.layers} for e in (e_lat, e_da))
    dense = [n for n, k in kinds.items() if k == "dense"]
    assert len(dense) == 3 and all(da_rows[n][0] == 0 for n in dense)
    # the adder graph of the constant weights is cheaper than the project's multipliers; the rest is unchanged
    assert sum(da_rows[n][1] for n in dense) < 0.8 * sum(lat_rows[n][1] for n in dense)
    assert {n: r for n, r in da_rows.items() if n not in dense} == {n: r for n, r in lat_rows.items() if n not in dense}


def test_without_the_venv_the_bench_records_why(bh, tmp_path):
    assert bh.venv_python(tmp_path / "nowhere") is None
    bo = importlib.import_module("bench_objective")
    args = bo.argparse.Namespace(hgq2_venv=tmp_path / "nowhere", hgq2_out=None)
    with pytest.raises(FileNotFoundError, match="no HGQ2 venv at .*nowhere .*setup_venv.sh"):
        bo.hgq2_sweep(args, None, None, load_board("pynq-z2"))


def test_structure_counts_what_the_design_keeps(tmp_path):
    sys.path.insert(0, str(BENCH))
    bo = importlib.import_module("bench_objective")
    prj = hgq_project(tmp_path)
    s = bo.structure(bo.hgq2.read_project(prj).network)
    # input 2 is a zero-bit HGQ element: not read; the other five keep 4, 3, 6, 2, 5 bits
    assert (s["inputs_used"], s["of"]) == (5, 6)
    assert s["activations"][0] == {"name": "q_in", "live": 5, "mean_bits": 4.0}
    assert s["activations"][-1] == {"name": "q_relu", "live": 8, "mean_bits": 3.5}  # 2, 3, 4, 5 bits twice
    first = s["dense"][0]
    # the weights of the zero-bit input (one of them already 0) carry nothing: 8 x 5 are left
    assert (first["live_outputs"], first["of"], first["live_weights"]) == (8, 8, 40)
    assert first["weight_bits_max"] == 7 and 3 < first["weight_bits_mean"] < 5  # 127 = 7 bits; 78 = 0b1001110: 6
    assert bo.significant_bits(np.array([78, -8, 0, 3, 127])).tolist() == [6, 1, 2, 7]


def test_structure_of_a_plain_network_reads_every_input_at_its_port_type():
    sys.path.insert(0, str(BENCH))
    bo = importlib.import_module("bench_objective")
    from fpga_prune.hls.adapter import network_from_keras
    from fpga_prune.hls.settings import HlsSettings
    from hls_projects import tau_model

    s = bo.structure(network_from_keras(tau_model(), HlsSettings(default_precision="ap_fixed<10,4>")))
    assert (s["inputs_used"], s["of"], s["input_type"]) == (6, 6, "ap_fixed<10,4>")
    # every neuron lives; one of the 48 first-layer weights rounds to 0 in ap_fixed<10,4>
    assert [(d["live_outputs"], d["live_weights"]) for d in s["dense"]] == [(8, 47), (5, 40), (3, 15)]
    assert s["activations"] == [{"name": "q_dense_3_relu", "live": 8, "mean_bits": 10.0}]
