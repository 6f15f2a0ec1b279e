"""Vector files: one encoding, whether generate, the RTL simulation or a test writes them."""

from __future__ import annotations

import json

import numpy as np

from fpga_prune.arith import emulate
from fpga_prune.hls.vectors import VectorSet, stress_inputs, vector_files, write_vector_dir, write_vectors
from fpga_prune.testing import random_inputs, synthetic_network


def test_vectors_pack_element_zero_in_lsbs():
    net = synthetic_network(0)
    x = np.zeros((2, 12), dtype=np.int64)
    x[0, 0], x[0, 11], x[1, 1] = -1, 1, 2
    files = write_vectors(net, x, np.array([[5], [-3]]))
    lines = files["inputs.hex"].split()
    assert int(lines[0], 16) == (1 << 176) | 0xFFFF and int(lines[1], 16) == 2 << 16
    assert files["expected.hex"].split() == ["005", "3fd"]
    meta = json.loads(files["vectors.json"])
    assert meta["count"] == 2 and meta["ports"]["input"] == "input_1"


def test_project_and_simulation_vectors_are_the_same_files(tmp_path):
    net = synthetic_network(0)
    x = random_inputs(net, 50, seed=4)
    vs = VectorSet(
        x, emulate.predict_raw(net, x), np.zeros((0, 12), np.float32), np.zeros(0), np.zeros(0, np.int64), 0, 0, 50
    )
    project = vector_files(net, vs)
    on_disk = write_vector_dir(net, x, tmp_path / "v")
    names = sorted(p.name for p in on_disk.iterdir())
    assert names == sorted(k.removeprefix("vectors/") for k in project if k.startswith("vectors/"))
    assert len(names) == 3 + len(net.layers)  # meta, inputs, expected, one trace per layer
    for name in names:
        assert (on_disk / name).read_text() == project[f"vectors/{name}"], name
    raw = [[int(v) for v in line.split()] for line in project["tb_data/expected_raw.dat"].splitlines()]
    assert raw == vs.expected_raw.tolist()


def test_stress_inputs_start_with_the_corners():
    net = synthetic_network(0)
    t = net.input_type
    x = stress_inputs(net, 10, seed=0)
    assert x.shape == (10, 12) and x[0].tolist() == [0] * 12
    assert set(x[1]) == {t.raw_max} and set(x[2]) == {t.raw_min}
    assert x[3, 0] == t.raw_max and x[3, 1] == t.raw_min
    assert np.array_equal(stress_inputs(net, 10, seed=0), x)  # deterministic per seed
