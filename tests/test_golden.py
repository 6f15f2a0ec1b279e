"""Determinism across machines: the golden run from the committed model, and training compared to 1e-6.

TensorFlow's training differs in the last bits across CPUs, so the golden run starts from the committed
model (``tests/golden/``, ``tests/run_golden.py``) and prunes without fine-tuning: everything downstream
of training is compared byte for byte (numbers in JSON to 1e-6); training itself is compared with that
model's metrics.  (A re-run from scratch on one machine is compared byte for byte in test_run.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fpga_prune import cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def golden_run(tmp_path_factory) -> Path:
    import run_golden

    out = tmp_path_factory.mktemp("golden") / "r"
    assert cli.main([*run_golden.golden_args(out), "--quiet"]) == 0
    return out


def test_run_from_the_golden_model_matches_the_golden_digest(golden_run):
    """On any machine: from the committed trained model, every artifact downstream of training — pruning
    search, quantized weights, firmware, vectors, RTL, every check — byte for byte, and numbers to 1e-6
    (tests/run_golden.py says what is left out and why)."""
    import run_golden

    want = json.loads(run_golden.GOLDEN.read_text())
    assert run_golden.differences(run_golden.digest(golden_run), want) == []


def test_training_reproduces_the_golden_model(tmp_path):
    """On any machine: training with the golden model's settings gives its metrics to 1e-6 and the same best
    epoch (the weights themselves differ in the last bits across CPUs; tests/golden/README.md)."""
    import run_golden

    out = tmp_path / "model"
    assert cli.main(["train", *run_golden.TRAIN_ARGS, "--out", str(out), "--quiet"]) == 0
    got = json.loads((out / "metrics.json").read_text())
    want = json.loads((run_golden.MODEL / "metrics.json").read_text())
    assert run_golden.differences(got, want) == []
