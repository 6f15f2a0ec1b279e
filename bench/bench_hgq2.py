"""HGQ2 designs for bench_objective: export the splits, train in the HGQ2 venv, import each project.

Why in two processes: ``hgq2`` ships its own ``qkeras`` package and Keras 3, which
replace the QKeras/legacy Keras that fpga_prune needs, so HGQ2 runs in its own venv
(``bench/hgq2/setup_venv.sh``) through ``bench/hgq2/train_hgq2.py``, which never
imports fpga_prune.  This side hands it the exact splits our model sees (the same
features, labels, chronological splits and train-only scaler, as an .npz) and reads
back what it wrote: each sweep point's hls4ml project goes through OUR importer
(``fpga_prune.hls.project.read_project``) -- the firmware, not HGQ2's view of it --
and is checked against HGQ2's own test predictions.  Each point is offered twice:
as written (hls4ml ``latency``) and with its Dense layers as distributed arithmetic
(``as_distributed_arithmetic``; HGQ2's docs convert with either), so the oracle
choice of ``bench_objective`` sees HGQ2's cheapest form.  Costing and judging stay
in ``bench_objective``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from fpga_prune.arith import emulate
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import DA, DenseLayer, FixedNetwork, exact_sum_type
from fpga_prune.arith.tables import sigmoid_layer
from fpga_prune.hls.graph_rules import HLS4ML_TABLE_SIZE, HLS4ML_TABLE_TYPE
from fpga_prune.hls.project import read_project
from fpga_prune.model.features import Splits

TRAIN_SCRIPT = Path(__file__).resolve().parent / "hgq2" / "train_hgq2.py"
POINTS_FILE = "points.json"


def default_venv() -> Path:
    """Where ``setup_venv.sh`` puts the venv: ``$HGQ2_VENV`` or ``~/.cache/fpga_prune/hgq2-venv``."""
    env = os.environ.get("HGQ2_VENV")
    return Path(env) if env else Path.home() / ".cache" / "fpga_prune" / "hgq2-venv"


def venv_python(venv: Path) -> Path | None:
    """The venv's interpreter, or None when there is no venv there."""
    py = venv / "bin" / "python"
    return py if py.is_file() else None


def export_splits(splits: Splits, hidden: tuple[int, ...], path: Path) -> Path:
    """The scaled rows of every split (as our model sees them) and the architecture, as one .npz."""
    arrays: dict[str, np.ndarray] = {}
    for part in ("train", "val", "test"):
        ds = getattr(splits, part)
        arrays[f"X_{part}"] = np.asarray(ds.X, dtype=np.float32)
        arrays[f"y_{part}"] = np.asarray(ds.y, dtype=np.int64)
    arrays["hidden"] = np.asarray(hidden, dtype=np.int64)
    arrays["n_classes"] = np.asarray(splits.train.n_classes, dtype=np.int64)
    np.savez(path, **arrays)
    return path


def train(
    python: Path, splits_npz: Path, out: Path, part: str, clock_period: float, extra: list[str]
) -> dict[str, Any]:
    """Run ``train_hgq2.py`` in the HGQ2 venv (its log goes to our stderr); its ``points.json``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # fpga_prune must not leak in
    env.setdefault("KERAS_BACKEND", "jax")
    cmd = [str(python), str(TRAIN_SCRIPT), "--splits", str(splits_npz), "--out", str(out), "--part", part]
    cmd += ["--clock-period", str(clock_period), *extra]
    subprocess.run(cmd, check=True, env=env, stdout=sys.stderr)
    doc: dict[str, Any] = json.loads((out / POINTS_FILE).read_text())
    return doc


def as_distributed_arithmetic(net: FixedNetwork) -> FixedNetwork:
    """The same network with every Dense as hls4ml's distributed arithmetic (exact sum, reuse 1)."""

    def da(layer):
        if not isinstance(layer, DenseLayer) or layer.op != "dense":
            return layer
        acc = exact_sum_type(layer.input_type, layer.weight_type, layer.bias_type, layer.weights, layer.biases)
        return replace(layer, strategy=DA, accum_type=acc, reuse_factor=1)

    return replace(net, layers=tuple(da(layer) for layer in net.layers))


#: the output sigmoid's result type under our default settings (``HlsSettings.default_precision``)
SIGMOID_RESULT = FixedType(True, 16, 6)


def with_sigmoid(net: FixedNetwork) -> FixedNetwork:
    """The network with hls4ml's default sigmoid table after its logit, as our MLP's ``output`` layer.

    Why: HGQ2 trains on the logit and its design stops there; our designs carry the
    sigmoid, so its cost is priced separately to compare like with like.
    """
    last = net.layers[-1]
    n = last.weights.shape[1] if isinstance(last, DenseLayer) else last.n
    sig = sigmoid_layer("output", last.result_type, SIGMOID_RESULT, n, HLS4ML_TABLE_SIZE, HLS4ML_TABLE_TYPE)
    return replace(net, layers=(*net.layers, sig))


@dataclass(frozen=True)
class Agreement:
    """Our bit-accurate model of the imported firmware against HGQ2's own (float) predictions."""

    n: int
    exact: int
    max_abs_diff: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "exact": self.exact,
            "fraction": round(self.exact / max(self.n, 1), 6),
            "max_abs_diff": self.max_abs_diff,
        }


def agreement(net: FixedNetwork, X: np.ndarray, theirs: np.ndarray) -> Agreement:
    ours = np.asarray(emulate.predict(net, X), dtype=np.float64).reshape(len(X), -1)[:, 0]
    diff = np.abs(ours - np.asarray(theirs, dtype=np.float64))
    return Agreement(n=len(X), exact=int(np.count_nonzero(diff == 0)), max_abs_diff=float(diff.max(initial=0.0)))


@dataclass(frozen=True, eq=False)
class HgqDesign:
    """One HGQ2 sweep point as one of our networks (``strategy``: how its Dense layers are built)."""

    point: str
    strategy: str
    network: FixedNetwork
    info: dict[str, Any]
    test_agreement: Agreement


def designs(out: Path, doc: dict[str, Any], X_test: np.ndarray) -> list[HgqDesign]:
    """Every point of ``train_hgq2.py``'s output, imported from its firmware, as written and as DA."""
    found = []
    for point in doc["points"]:
        net = read_project(out / point["name"] / "prj").network
        theirs = np.load(out / point["name"] / "pred.npz")["test"]
        for strategy, n in (("latency", net), (DA, as_distributed_arithmetic(net))):
            found.append(HgqDesign(point["name"], strategy, n, point, agreement(n, X_test, theirs)))
    return found
