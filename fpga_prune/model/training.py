"""The trading MLP (dense Keras and QKeras quantization-aware), its training and its saved bundle.

Why the layer layout is fixed: hls4ml maps each ``Dense``/``QDense`` to one
matrix-vector unit and each ``Activation`` to a table or a comparator, so every
hidden layer is ``fcN`` followed by a separate ``reluN`` and the output is
``fc_out`` followed by a separate ``output`` activation (sigmoid for binary
targets, softmax for three classes).  Layer names are stable so pruning and
code generation can address them.

A bundle is one directory: ``model.h5`` (HDF5 round-trips QKeras quantizers
bit-exactly through ``custom_objects()``), ``preprocess.json`` (feature spec,
feature names, train-only scaler) and ``metrics.json``.
"""

from __future__ import annotations

import json
import os
import random
import warnings
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from fpga_prune import _keras_env  # noqa: F401  (legacy Keras before TensorFlow)
from fpga_prune.errors import InputError
from fpga_prune.model.features import FeatureSpec, Scaler, Splits
from fpga_prune.outdir import JsonObject, read_json_object

MODEL_FILE = "model.h5"
PREPROCESS_FILE = "preprocess.json"
METRICS_FILE = "metrics.json"
BUNDLE_VERSION = 1

#: Default hidden sizes, chosen by measurement on the BTCUSDT 5-minute candles
#: (bigmove test ROC AUC: 32-16 0.690, 64-32 0.690, 128-64 0.691 -- capacity is
#: not the limit).  With the 16 default features 64-32 needs 3,104 multiplies,
#: far over the PYNQ-Z2's 220 DSPs at 16 bits, so pruning has real work to do.
DEFAULT_HIDDEN: tuple[int, ...] = (64, 32)

#: A tf.keras ``Model``: TensorFlow ships no type stubs, so it is typed only by this name.
KerasModel = Any


@dataclass(frozen=True)
class ModelConfig:
    """How to build and train the MLP.

    ``bits``/``integer_bits`` are the QKeras kernel and bias quantizers
    (``quantized_bits(bits, integer_bits, alpha=1)``: a plain fixed-point grid
    hls4ml reproduces exactly); ``act_bits``/``act_integer_bits`` the hidden
    ``quantized_relu``.  ``patience`` epochs without a better validation loss
    stop training and restore the best weights.
    """

    hidden: tuple[int, ...] = DEFAULT_HIDDEN
    quantized: bool = False
    bits: int = 8
    integer_bits: int = 0
    act_bits: int = 8
    act_integer_bits: int = 3
    epochs: int = 60
    batch_size: int = 256
    learning_rate: float = 1e-3
    patience: int = 6
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if not self.hidden or any(h < 1 for h in self.hidden):
            raise InputError("ModelConfig", "hidden", f"need one or more positive sizes, got {self.hidden}")
        for name in ("epochs", "batch_size", "patience"):
            if getattr(self, name) < 1:
                raise InputError("ModelConfig", name, f"must be >= 1, got {getattr(self, name)}")
        if not self.learning_rate > 0:
            raise InputError("ModelConfig", "learning_rate", f"must be > 0, got {self.learning_rate}")
        for b, i in (("bits", "integer_bits"), ("act_bits", "act_integer_bits")):
            bv, iv = getattr(self, b), getattr(self, i)
            if not 2 <= bv <= 32:
                raise InputError("ModelConfig", b, f"must be in 2..32, got {bv}")
            if not 0 <= iv < bv:
                raise InputError("ModelConfig", i, f"must be in 0..{bv - 1} (below {b}={bv}), got {iv}")

    def to_dict(self) -> JsonObject:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: JsonObject) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        bad = sorted(set(d) - known)
        if bad:
            raise InputError("ModelConfig", bad[0], f"unknown field; valid: {', '.join(sorted(known))}")
        return cls(**{**d, "hidden": tuple(d.get("hidden", DEFAULT_HIDDEN))})


def parse_hidden(text: str, source: str = "--hidden") -> tuple[int, ...]:
    """``"64,32"`` -> ``(64, 32)``; anything else is an InputError naming the value."""
    try:
        sizes = tuple(int(tok) for tok in text.split(","))
    except ValueError:
        raise InputError(source, None, f"expected comma-separated positive integers like 64,32, got {text!r}") from None
    if not sizes or any(s < 1 or s > 4096 for s in sizes):
        raise InputError(source, None, f"layer sizes must be in 1..4096, got {text!r}")
    return sizes


def multiplies(n_inputs: int, n_classes: int, hidden: tuple[int, ...]) -> int:
    """Weight multiplies of one dense inference (what DSPs implement at reuse factor 1)."""
    sizes = [n_inputs, *hidden, 1 if n_classes == 2 else n_classes]
    return int(sum(a * b for a, b in zip(sizes[:-1], sizes[1:])))


def custom_objects() -> dict[str, object]:
    """QKeras layers and quantizers, for ``load_model`` and hls4ml."""
    from qkeras.utils import _add_supported_quantized_objects  # noqa: PLC0415

    objs: dict[str, object] = {}
    _add_supported_quantized_objects(objs)
    return objs


def _configure_tf(seed: int, threads: int | None) -> None:
    """Seed everything and make kernels deterministic (same seed -> same weights)."""
    import tensorflow as tf  # noqa: PLC0415

    n = threads or min(2, os.cpu_count() or 1)
    try:  # only possible before the TF runtime starts; later calls keep the first setting
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass
    random.seed(seed)
    np.random.seed(seed)
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def build_mlp(n_inputs: int, n_classes: int, cfg: ModelConfig | None = None):
    """The MLP: ``[fcN -> reluN]* -> fc_out -> output``; QDense/QActivation when quantized."""
    import tensorflow as tf  # noqa: PLC0415

    cfg = cfg or ModelConfig()
    if n_inputs < 1:
        raise InputError("build_mlp", "n_inputs", f"must be >= 1, got {n_inputs}")
    if n_classes < 2:
        raise InputError("build_mlp", "n_classes", f"must be >= 2, got {n_classes}")
    layers = tf.keras.layers
    n_out = 1 if n_classes == 2 else n_classes
    inp = layers.Input(shape=(n_inputs,), name="features")
    x = inp
    if cfg.quantized:
        from qkeras import QActivation, QDense, quantized_bits, quantized_relu  # noqa: PLC0415

        def q():
            return quantized_bits(cfg.bits, cfg.integer_bits, alpha=1)

        for i, h in enumerate(cfg.hidden, 1):
            x = QDense(h, kernel_quantizer=q(), bias_quantizer=q(), name=f"fc{i}", kernel_initializer="lecun_uniform")(
                x
            )
            x = QActivation(quantized_relu(cfg.act_bits, cfg.act_integer_bits), name=f"relu{i}")(x)
        x = QDense(n_out, kernel_quantizer=q(), bias_quantizer=q(), name="fc_out", kernel_initializer="lecun_uniform")(
            x
        )
    else:
        for i, h in enumerate(cfg.hidden, 1):
            x = layers.Dense(h, name=f"fc{i}")(x)
            x = layers.Activation("relu", name=f"relu{i}")(x)
        x = layers.Dense(n_out, name="fc_out")(x)
    out = layers.Activation("sigmoid" if n_out == 1 else "softmax", name="output")(x)
    name = "qmlp" if cfg.quantized else "mlp"
    return tf.keras.Model(inp, out, name=name)


def _compile(model, n_classes: int, lr: float) -> None:
    import tensorflow as tf  # noqa: PLC0415

    loss = "binary_crossentropy" if n_classes == 2 else "sparse_categorical_crossentropy"
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=lr), loss=loss, metrics=["accuracy"])


def train(splits: Splits, cfg: ModelConfig | None = None, *, threads: int | None = None, verbose: int = 0):
    """Train on ``splits.train`` with early stopping on validation loss; returns (model, history dict).

    Deterministic: seeds Python, NumPy and TensorFlow and enables op
    determinism, so the same data, config and seed give identical weights.
    """
    import tensorflow as tf  # noqa: PLC0415

    cfg = cfg or ModelConfig()
    _configure_tf(cfg.seed, threads)
    n_classes = splits.train.n_classes
    model = build_mlp(splits.train.X.shape[1], n_classes, cfg)
    _compile(model, n_classes, cfg.learning_rate)
    stop = tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.patience, restore_best_weights=True)
    hist = model.fit(
        splits.train.X,
        splits.train.y.astype(np.float32 if n_classes == 2 else np.int64),
        validation_data=(splits.val.X, splits.val.y.astype(np.float32 if n_classes == 2 else np.int64)),
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        shuffle=True,
        callbacks=[stop],
        verbose=verbose,
    )
    history = {k: [float(v) for v in vals] for k, vals in sorted(hist.history.items())}
    val_loss = history["val_loss"]
    history["best_epoch"] = int(np.argmin(val_loss)) + 1
    history["epochs_run"] = len(val_loss)
    return model, history


def predict_proba(model, X: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """Class-1 probability (binary, shape (n,)) or class probabilities (n, k), float32.

    ``model(x)`` in fixed batches instead of ``predict`` so results do not
    depend on Keras' data-adapter batching.
    """
    X = np.asarray(X, dtype=np.float32)
    out = [np.asarray(model(X[i : i + batch_size], training=False)) for i in range(0, len(X), batch_size)]
    p = np.concatenate(out, axis=0) if out else np.zeros((0, model.output_shape[-1]), np.float32)
    return p[:, 0] if p.shape[1] == 1 else p


@dataclass(frozen=True, eq=False)
class Bundle:
    """A trained model with everything needed to apply it to new candles."""

    model: KerasModel
    spec: FeatureSpec
    scaler: Scaler
    feature_names: tuple[str, ...]
    metrics: JsonObject
    config: ModelConfig | None = None

    def predict_proba(self, X_raw: np.ndarray) -> np.ndarray:
        """Probabilities for unscaled feature rows (as ``features.build`` makes them)."""
        return predict_proba(self.model, self.scaler.transform(X_raw))


def preprocess_dict(
    spec: FeatureSpec, scaler: Scaler, feature_names: tuple[str, ...], cfg: ModelConfig | None = None
) -> JsonObject:
    """The ``preprocess.json`` payload: how raw candles become model inputs."""
    return {
        "version": BUNDLE_VERSION,
        "feature_spec": spec.to_dict(),
        "feature_names": list(feature_names),
        "scaler": scaler.to_dict(),
        "n_classes": spec.n_classes,
        "model_config": None if cfg is None else cfg.to_dict(),
    }


def _json_bytes(payload: JsonObject) -> bytes:
    from fpga_prune.outdir import json_text  # noqa: PLC0415

    return json_text(payload).encode("utf-8")


def save_bundle(directory: str | os.PathLike, model, preprocess: JsonObject, metrics: JsonObject) -> Path:
    """Write ``model.h5``, ``preprocess.json`` and ``metrics.json`` into an existing directory.

    Callers that publish a directory wrap this in ``fpga_prune.outdir.staged_dir``.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # HDF5 is deliberate (see module docstring), not legacy drift
        warnings.simplefilter("ignore", UserWarning)
        model.save(d / MODEL_FILE, save_format="h5", include_optimizer=False)
    (d / PREPROCESS_FILE).write_bytes(_json_bytes(preprocess))
    (d / METRICS_FILE).write_bytes(_json_bytes(metrics))
    return d


def read_preprocess(src: Path) -> tuple[FeatureSpec, Scaler, tuple[str, ...], ModelConfig | None]:
    """Parse a ``preprocess.json`` (ours, or one written beside an imported model; see README)."""
    pre = read_json_object(src)
    if pre.get("version") != BUNDLE_VERSION:
        raise InputError(src, "version", f"expected {BUNDLE_VERSION}, got {pre.get('version')!r}")
    spec = FeatureSpec.from_dict(pre.get("feature_spec", {}), source=str(src))
    scaler = Scaler.from_dict(pre.get("scaler", {}), source=str(src))
    names = tuple(pre.get("feature_names", ()))
    if names != spec.feature_names() or len(names) != scaler.mean.shape[0]:
        raise InputError(src, "feature_names", "do not match the feature spec / scaler")
    cfg = ModelConfig.from_dict(pre["model_config"]) if pre.get("model_config") else None
    return spec, scaler, names, cfg


def load_bundle(directory: str | os.PathLike) -> Bundle:
    """Reload a bundle written by ``save_bundle``; predictions are bit-identical to the saved model."""
    import tensorflow as tf  # noqa: PLC0415

    d = Path(directory)
    if not d.is_dir():
        raise InputError(d, None, "no such model directory")
    for name in (MODEL_FILE, PREPROCESS_FILE):
        if not (d / name).is_file():
            raise InputError(d, name, "missing; not a model bundle written by `fpga-prune train`")
    spec, scaler, names, cfg = read_preprocess(d / PREPROCESS_FILE)
    metrics: JsonObject = {}
    if (d / METRICS_FILE).is_file():
        try:
            metrics = json.loads((d / METRICS_FILE).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(d / METRICS_FILE, None, f"unreadable JSON: {exc}") from None
    try:
        model = tf.keras.models.load_model(d / MODEL_FILE, custom_objects=custom_objects(), compile=False)
    except (OSError, ValueError, TypeError, KeyError) as exc:  # h5py: not HDF5 / truncated; Keras: bad config
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(d / MODEL_FILE, None, f"cannot load the Keras model: {reason}") from None
    check_supported_layers(model, d / MODEL_FILE)
    if model.input_shape[-1] != len(names):
        raise InputError(
            d / MODEL_FILE, "input", f"model takes {model.input_shape[-1]} features, preprocess.json names {len(names)}"
        )
    return Bundle(model=model, spec=spec, scaler=scaler, feature_names=names, metrics=metrics, config=cfg)


#: Keras layer classes the pruning search, hls4ml conversion and the bit-accurate model all handle
#: (Dropout is an inference no-op hls4ml drops), and the activations they implement.
SUPPORTED_LAYERS = frozenset(
    {"InputLayer", "Dense", "QDense", "Activation", "QActivation", "ReLU", "Softmax", "Dropout"}
)
SUPPORTED_ACTIVATIONS = frozenset({"relu", "sigmoid", "softmax", "linear"})


def check_supported_layers(model, source: str | os.PathLike) -> None:
    """One InputError listing every layer fpga_prune cannot implement, before any work starts."""
    bad = []
    for layer in model.layers:
        kind = type(layer).__name__
        act = layer.get_config().get("activation") if kind in ("Dense", "Activation") else None
        if kind not in SUPPORTED_LAYERS:
            bad.append(f"{layer.name} ({kind})")
        elif isinstance(act, str) and act not in SUPPORTED_ACTIVATIONS:
            bad.append(f"{layer.name} (activation {act})")
    if bad:
        raise InputError(
            source,
            "layers",
            f"unsupported: {', '.join(bad)}; supported: Dense/QDense with "
            f"{'/'.join(sorted(SUPPORTED_ACTIVATIONS))} activations, Activation, QActivation, Dropout",
        )
