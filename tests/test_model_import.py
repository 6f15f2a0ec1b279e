"""Models users have: Keras 3 ``.keras`` and Keras 2 ``.h5`` Dense MLPs with a ``preprocess.json``.

The ``.keras`` files are written by real Keras 3 in a subprocess (our process
runs tf-keras and cannot import Keras 3); their predictions, computed there,
must equal the imported model's to 1e-6.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from fpga_prune.cli import main
from fpga_prune.data import load
from fpga_prune.errors import InputError
from fpga_prune.model import features
from fpga_prune.model import load as model_import
from fpga_prune.model import training as model

pytestmark = pytest.mark.slow

N_IN = len(features.FeatureSpec().feature_names())  # 16

KERAS3_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import keras

    out = sys.argv[1]
    open(f"{out}/version.txt", "w").write(keras.__version__)
    keras.utils.set_random_seed(7)
    L = keras.layers
    X = np.random.default_rng(0).normal(size=(256, 16)).astype("float32") * 3
    np.save(f"{out}/X.npy", X)
    seq = keras.Sequential([keras.Input((16,)), L.Dense(12, activation="relu"), L.Dropout(0.2),
                            L.Dense(6), L.ReLU(), L.Dense(1, activation="sigmoid")])
    inp = keras.Input((16,), name="features")
    x = L.Activation("relu", name="relu1")(L.Dense(8, name="fc1")(inp))
    fun = keras.Model(inp, L.Activation("softmax", name="output")(L.Dense(3, name="fc_out")(x)))
    for name, m in (("seq", seq), ("fun", fun)):
        m.save(f"{out}/{name}.keras")
        np.save(f"{out}/{name}.npy", np.asarray(m(X)))
    keras.Sequential([keras.Input((16, 1)), L.Conv1D(4, 3, name="conv"), L.LSTM(5, name="lstm"),
                      L.Dense(1, activation="sigmoid")]).save(f"{out}/conv.keras")
    keras.Sequential([keras.Input((16,)), L.Dense(4, activation="tanh", name="hid"),
                      L.Dense(1, activation="sigmoid")]).save(f"{out}/tanh.keras")
""")


@pytest.fixture(scope="module")
def keras3(tmp_path_factory) -> Path:
    """Real Keras 3 files, written by a process that imports ``keras`` 3 and not fpga_prune."""
    out = tmp_path_factory.mktemp("keras3")
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    done = subprocess.run(
        [sys.executable, "-c", KERAS3_SCRIPT, str(out)], env=env, cwd=out, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "version.txt").read_text().startswith("3.")
    return out


def _preprocess(directory: Path, target: str = "bigmove", scaler: features.Scaler | None = None) -> None:
    spec = features.FeatureSpec(target=target)
    names = spec.feature_names()
    scaler = scaler or features.Scaler(np.zeros(len(names)), np.ones(len(names)), 6.0)
    (directory / model.PREPROCESS_FILE).write_text(json.dumps(model.preprocess_dict(spec, scaler, names)))


def _user_dir(tmp_path: Path, keras3: Path, name: str, target: str = "bigmove") -> Path:
    d = tmp_path / name
    d.mkdir()
    shutil.copy(keras3 / f"{name}.keras", d / f"{name}.keras")
    _preprocess(d, target)
    return d


@pytest.mark.parametrize(
    "name, target, layers",
    [
        ("seq", "bigmove", ["features", "fc1", "relu1", "fc2", "relu2", "fc_out", "output"]),
        ("fun", "direction3", ["features", "fc1", "relu1", "fc_out", "output"]),
    ],
)
def test_keras3_file_predicts_as_keras3_did(keras3, tmp_path, name, target, layers):
    d = _user_dir(tmp_path, keras3, name, target)
    for where in (d, d / f"{name}.keras"):  # the directory or the file itself
        bundle = model_import.load_any(where)
        assert [la.name for la in bundle.model.layers] == layers
        got = np.asarray(bundle.model(np.load(keras3 / "X.npy")))
        want = np.load(keras3 / f"{name}.npy")
        assert got.shape == want.shape and float(np.abs(got - want).max()) <= 1e-6
        assert 0.05 < float(want.std()) and bundle.spec.target == target  # predictions vary: a real check
        assert bundle.metrics == {"imported_from": str((d / f"{name}.keras").resolve())}


def test_keras2_h5_from_tf_keras_is_imported(tmp_path):
    import tensorflow as tf

    L = tf.keras.layers
    tf.keras.utils.set_random_seed(3)
    net = tf.keras.Sequential(
        [
            tf.keras.Input((N_IN,)),
            L.Dense(10, activation="relu", name="hidden"),
            L.Dropout(0.3),
            L.Dense(5, name="h2"),
            L.Activation("relu"),
            L.Dense(1, activation="sigmoid", name="out"),
        ]
    )
    d = tmp_path / "mine"
    d.mkdir()
    with pytest.warns(UserWarning, match="HDF5"):  # tf-keras calls .h5 legacy; it is what Keras 2 users have
        net.save(d / "clf.h5", save_format="h5")
    _preprocess(d)
    bundle = model_import.load_any(d)
    X = np.random.default_rng(1).normal(size=(300, N_IN)).astype(np.float32) * 3
    want = net(X).numpy()
    assert float(np.abs(bundle.model(X).numpy() - want).max()) <= 1e-6 and float(want.std()) > 0.05
    assert model_import.configs_of(d)[1].hidden == (10, 5)


@pytest.mark.parametrize(
    "name, message",
    [
        (
            "conv",
            "unsupported layers conv (Conv1D), lstm (LSTM); only Dense MLPs can be imported "
            "(Dense, Activation(relu/sigmoid/softmax/linear), ReLU, Softmax, Dropout, Flatten)",
        ),
        ("tanh", "layer hid: activation 'tanh' is not supported (relu, sigmoid, softmax, linear)"),
    ],
)
def test_unsupported_models_are_one_line_errors(keras3, tmp_path, capsys, name, message):
    d = _user_dir(tmp_path, keras3, name)
    out = tmp_path / "pruned"
    assert (
        main(
            [
                "prune",
                "--model",
                str(d / f"{name}.keras"),
                "--board",
                "pynq-z2",
                "--out",
                str(out),
                "--data",
                str(tmp_path / "unused.csv"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err == f"fpga-prune: error: {d / f'{name}.keras'}: {message}\n" and not out.exists()


def test_model_file_errors(keras3, tmp_path):
    d = _user_dir(tmp_path, keras3, "seq")
    with pytest.raises(InputError, match=r"preprocess.json: version: expected 1, got None"):
        (d / "preprocess.json").write_text("{}")
        model_import.load_any(d)
    _preprocess(d, "direction3")
    with pytest.raises(
        InputError,
        match=r"layer dense_2: 1 output unit\(s\), but target 'direction3' has 3 "
        r"classes \(needs 3\)",
    ):
        model_import.load_any(d)
    (d / "preprocess.json").unlink()
    with pytest.raises(InputError, match=r"preprocess.json: missing beside seq.keras"):
        model_import.load_any(d)
    _preprocess(d)
    shutil.copy(keras3 / "fun.keras", d / "fun.keras")
    with pytest.raises(InputError, match=r"several model files \(fun.keras, seq.keras\); pass --model FILE"):
        model_import.load_any(d)
    (d / "broken.keras").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"broken.keras: not a Keras 3 .keras file"):
        model_import.load_any(d / "broken.keras")
    (d / "model.onnx").write_bytes(b"\x08\x07")
    with pytest.raises(InputError, match=r"unknown model file type '.onnx'"):
        model_import.load_any(d / "model.onnx")


@pytest.fixture(scope="module")
def real_scaler(bybit_csv) -> features.Scaler:
    """The train-split scaler of the real candles: what a user's preprocess.json must hold."""
    spec = features.FeatureSpec()
    return features.split(features.build(load(bybit_csv), spec), spec).scaler


def _fitted_user_dir(tmp_path: Path, keras3: Path, scaler: features.Scaler) -> Path:
    d = tmp_path / "user"
    d.mkdir()
    shutil.copy(keras3 / "seq.keras", d / "seq.keras")
    _preprocess(d, scaler=scaler)
    return d


def test_prune_and_generate_an_imported_model_without_data(keras3, tmp_path, bybit_csv, real_scaler, capsys):
    """The .keras model pruned on the real candles; generate then finds them from the record."""
    d = _fitted_user_dir(tmp_path, keras3, real_scaler)
    pruned, proj = tmp_path / "pruned", tmp_path / "proj"
    assert (
        main(
            [
                "prune",
                "--model",
                str(d),
                "--board",
                "pynq-z2",
                "--out",
                str(pruned),
                "--data",
                str(bybit_csv),
                "--quiet",
            ]
        )
        == 0
    )
    rec = json.loads((pruned / "metrics.json").read_text())
    assert rec["pruned_from"] == str(d) and rec["data"]["source"] == str(bybit_csv.resolve())
    assert rec["data"]["candles"] == 25_920 and len(rec["data"]["sha256"]) == 64
    capsys.readouterr()
    assert (
        main(
            [
                "generate",
                "--model",
                str(pruned),
                "--board",
                "pynq-z2",
                "--out",
                str(proj),
                "--no-check",
                "--vectors",
                "100",
                "--stress",
                "8",
                "--json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["vectors"]["test_split"] == 100
    manifest = json.loads((proj / "manifest.json").read_text())
    assert manifest["data"]["file"] == bybit_csv.name and manifest["data"]["sha256"] == rec["data"]["sha256"]
    # a model that records no candles, and no --data: one line, nothing written
    assert main(["prune", "--model", str(d), "--board", "pynq-z2", "--out", str(tmp_path / "p2")]) == 2
    assert capsys.readouterr().err == (
        f"fpga-prune: error: --data: not given, and {d} records no candle file it was made from; pass --data FILE\n"
    )
    assert not (tmp_path / "p2").exists()


def test_run_with_a_given_model_evaluates_it_instead_of_training(keras3, tmp_path, bybit_csv, real_scaler):
    d = _fitted_user_dir(tmp_path, keras3, real_scaler)
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                "--board",
                "pynq-z2",
                "--data",
                str(bybit_csv),
                "--out",
                str(out),
                "--model",
                str(d),
                "--until",
                "train",
                "--n-boot",
                "50",
                "--quiet",
            ]
        )
        == 0
    )
    metrics = json.loads((out / "model" / "metrics.json").read_text())
    assert metrics["training"] == {"imported_from": str((d / "seq.keras").resolve())}
    assert metrics["model"]["config"]["hidden"] == [12, 6] and metrics["model"]["multiplies"] == 16 * 12 + 12 * 6 + 6
    bundle = model.load_bundle(out / "model")  # our bundle now, with the same predictions as Keras 3's
    got = np.asarray(bundle.model(np.load(keras3 / "X.npy")))
    assert float(np.abs(got - np.load(keras3 / "seq.npy")).max()) <= 1e-6
    report = json.loads((out / "report.json").read_text())
    assert report["training"]["architecture"] == [16, 12, 6] and "training_curve.png" not in report["plots"]
    assert "training curve" not in (out / "report.md").read_text()
