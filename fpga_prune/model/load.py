"""Models users already have: a Dense-only Keras 2 ``.h5`` or Keras 3 ``.keras`` file + ``preprocess.json``.

Why the files are read here with json + h5py and not by Keras: this process
runs legacy Keras (tf_keras, for QKeras and hls4ml), which cannot load a Keras 3
``.keras`` file, and Keras 3 cannot be imported beside it.  A ``.keras`` file is
a zip of ``config.json`` and ``model.weights.h5`` (weights under
``layers/<class>[_k]/vars/{0,1}``, numbered per layer class in layer order); a
Keras 2 ``.h5`` holds a ``model_config`` attribute and ``model_weights/<layer>``
groups.  Both are checked to be one chain of Dense layers -- relu hidden
activations, a sigmoid (1 unit) or softmax output -- and rebuilt with
``model.build_mlp``, the very layout pruning and code generation are tested on,
carrying the same weights.  ``preprocess.json`` is the file our own bundles
hold (README: "Your data / your model").
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from fpga_prune import _keras_env  # noqa: F401  (legacy Keras before TensorFlow)
from fpga_prune.errors import InputError
from fpga_prune.model.features import FeatureSpec
from fpga_prune.model.training import (
    MODEL_FILE,
    PREPROCESS_FILE,
    Bundle,
    ModelConfig,
    build_mlp,
    load_bundle,
    read_preprocess,
)
from fpga_prune.outdir import JsonObject, JsonValue, json_object

SUFFIXES = (".keras", ".h5")
#: identity at inference on (batch, features) inputs: dropped
_IDENTITY = frozenset({"Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout", "Flatten"})
_ACTIVATION_LAYERS = frozenset({"Activation", "ReLU", "Softmax"})
#: what our own bundles (``model.h5`` written by ``train``/``prune``) may also hold
_OURS = frozenset({"QDense", "QActivation"})
SUPPORTED = "Dense, Activation(relu/sigmoid/softmax/linear), ReLU, Softmax, Dropout, Flatten"


@dataclass(frozen=True, eq=False)
class DenseSpec:
    """One Dense layer of the imported chain, with the activation that follows it."""

    name: str
    kernel: np.ndarray  # (inputs, units)
    bias: np.ndarray  # (units,)
    activation: str


# ----------------------------------------------------------------------------- finding the file
def model_file(path: str | os.PathLike) -> Path:
    """The model file ``path`` names: itself, or the one ``.keras``/``.h5`` in a directory."""
    p = Path(path)
    if p.is_dir():
        if (p / MODEL_FILE).is_file():
            return p / MODEL_FILE
        found = sorted(f for f in p.iterdir() if f.suffix in SUFFIXES and f.is_file())
        if not found:
            raise InputError(
                p, None, f"no model file: expected {MODEL_FILE}, or one .keras or .h5 file beside a preprocess.json"
            )
        if len(found) > 1:
            raise InputError(
                p, None, "several model files (" + ", ".join(f.name for f in found) + "); pass --model FILE"
            )
        return found[0]
    if not p.exists():
        raise InputError(p, None, "model not found")
    if p.suffix not in SUFFIXES:
        raise InputError(
            p,
            None,
            f"unknown model file type {p.suffix or '(none)'!r}; expected a Keras 3 "
            ".keras or Keras 2 .h5 file, or a bundle directory",
        )
    return p


def _preprocess_beside(f: Path) -> Path:
    pre = f.parent / PREPROCESS_FILE
    if not pre.is_file():
        raise InputError(
            f.parent,
            PREPROCESS_FILE,
            f"missing beside {f.name}; it says how candles become model inputs (see README 'Your data / your model')",
        )
    return pre


def load_any(path: str | os.PathLike) -> Bundle:
    """A bundle of ours (a directory with ``model.h5`` saved by tf-keras) or an imported model file."""
    p = Path(path)
    f = model_file(p)
    _preprocess_beside(f)
    if f.suffix == ".h5":
        config, version = _h5_config(f)
        layers = _layer_list(config, f)
        if f.name == MODEL_FILE and p.is_dir() and not version.startswith("3"):
            _refuse_unsupported(layers, f, extra=_OURS)
            return load_bundle(p)  # saved by tf-keras: loads as is, QKeras quantizers included
    return import_model(f)


# ----------------------------------------------------------------------------- reading configs
def _h5_config(path: Path) -> tuple[JsonObject, str]:
    """(model config, keras_version) of a Keras .h5 file."""
    import h5py  # noqa: PLC0415

    try:
        with h5py.File(path, "r") as h5:
            raw = h5.attrs.get("model_config")
            version = h5.attrs.get("keras_version", "")
    except OSError as exc:
        raise InputError(path, None, f"not a readable HDF5 model file ({exc})") from None
    if raw is None:
        raise InputError(path, "model_config", "missing: a weights-only file? save the whole model")
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    version = version.decode() if isinstance(version, bytes) else str(version)
    return _json(text, path, "model_config"), version


def _keras_zip(path: Path) -> tuple[JsonObject, bytes]:
    """(config.json, model.weights.h5 bytes) of a Keras 3 ``.keras`` file."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            for need in ("config.json", "model.weights.h5"):
                if need not in names:
                    raise InputError(path, need, "missing from the .keras archive")
            return _json(z.read("config.json").decode("utf-8", "replace"), path, "config.json"), z.read(
                "model.weights.h5"
            )
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(path, None, f"not a Keras 3 .keras file (not a readable zip archive: {exc})") from None


def _json(text: str, path: Path, field: str) -> JsonObject:
    return json_object(text, path, field)


def _name(layer: JsonObject) -> str:
    cfg = layer.get("config") if isinstance(layer.get("config"), dict) else {}
    return str(cfg.get("name") or layer.get("name") or "?")


def _inbound(layer: JsonObject) -> list[str]:
    """Names of the layers feeding ``layer`` (Keras 2 node lists or Keras 3 keras_history)."""
    out: list[str] = []

    def walk(o: JsonValue) -> None:
        if isinstance(o, dict):
            if isinstance(o.get("keras_history"), list):
                out.append(str(o["keras_history"][0]))
                return
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            if len(o) >= 3 and isinstance(o[0], str) and isinstance(o[1], int):
                out.append(o[0])
                return
            for v in o:
                walk(v)

    walk(layer.get("inbound_nodes", []))
    return out


def _layer_list(config: JsonObject, path: Path) -> list[JsonObject]:
    """The model's layers in order; a functional model must be one chain."""
    kind = config.get("class_name")
    body = config.get("config")
    layers = body if isinstance(body, list) else (body or {}).get("layers") if isinstance(body, dict) else None
    if not isinstance(layers, list) or not all(isinstance(la, dict) for la in layers):
        raise InputError(path, "config", f"not a Keras model config (model class {kind!r} has no layer list)")
    if kind not in ("Sequential",):
        for prev, layer in zip(layers, layers[1:]):
            src = _inbound(layer)
            if src != [_name(prev)]:
                raise InputError(
                    path,
                    f"layer {_name(layer)}",
                    f"not a single chain of layers: its inputs are "
                    f"{', '.join(src) or 'none'}, not the previous layer {_name(prev)}",
                )
    return layers


def _refuse_unsupported(layers: list[JsonObject], path: Path, extra: frozenset[str] = frozenset()) -> None:
    ok = {"InputLayer", "Dense"} | _IDENTITY | _ACTIVATION_LAYERS | extra
    bad = [f"{_name(la)} ({la.get('class_name')})" for la in layers if la.get("class_name") not in ok]
    if bad:
        raise InputError(
            path,
            None,
            f"unsupported layer{'s' if len(bad) > 1 else ''} {', '.join(bad)}; "
            f"only Dense MLPs can be imported ({SUPPORTED})",
        )


# ----------------------------------------------------------------------------- the chain
def _activation_of(layer: JsonObject, path: Path) -> str:
    cls, cfg = layer.get("class_name"), layer.get("config") or {}
    if cls == "ReLU":
        if cfg.get("max_value") is not None or cfg.get("negative_slope", 0) or cfg.get("threshold", 0):
            raise InputError(
                path,
                f"layer {_name(layer)}",
                "ReLU with max_value/negative_slope/threshold is not supported (plain relu only)",
            )
        return "relu"
    if cls == "Softmax":
        return "softmax"
    act = cfg.get("activation", "linear")
    if not isinstance(act, str) or act not in ("relu", "sigmoid", "softmax", "linear"):
        raise InputError(
            path, f"layer {_name(layer)}", f"activation {act!r} is not supported (relu, sigmoid, softmax, linear)"
        )
    return act


def _chain(layers: list[JsonObject], path: Path) -> list[tuple[str, int, bool, str]]:
    """(name, units, use_bias, activation) per Dense, activation layers folded into the Dense before them."""
    _refuse_unsupported(layers, path)
    denses: list[list[Any]] = []
    for layer in layers:
        cls, cfg = layer.get("class_name"), layer.get("config") or {}
        if cls == "InputLayer":
            shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
            if isinstance(shape, list) and len(shape) != 2:
                raise InputError(path, f"layer {_name(layer)}", f"input shape {shape} is not a flat feature vector")
        elif cls == "Dense":
            denses.append(
                [_name(layer), int(cfg.get("units", 0)), bool(cfg.get("use_bias", True)), _activation_of(layer, path)]
            )
        elif cls in _ACTIVATION_LAYERS:
            act = _activation_of(layer, path)
            if act == "linear":
                continue
            if not denses:
                raise InputError(path, f"layer {_name(layer)}", f"activation {act} before the first Dense")
            before = denses[-1][3]
            if before not in ("linear", act) or (before == act and act != "relu"):  # relu(relu(x)) == relu(x)
                raise InputError(
                    path,
                    f"layer {_name(layer)}",
                    f"{act} after {denses[-1][0]}'s {before}: two activations in a row are not supported",
                )
            denses[-1][3] = act
    if len(denses) < 2:
        raise InputError(
            path, None, f"{len(denses)} Dense layer(s): need at least one hidden Dense layer and an output layer"
        )
    for name, _units, _, act in denses[:-1]:
        if act != "relu":
            raise InputError(path, f"layer {name}", f"hidden activation {act!r} is not supported (relu only)")
    name, units, _, act = denses[-1]
    if not ((act == "sigmoid" and units == 1) or (act == "softmax" and units >= 3)):
        raise InputError(
            path,
            f"layer {name}",
            f"output must be sigmoid with 1 unit (two classes) or softmax "
            f"with 3+ units, got {act} with {units} unit(s)",
        )
    return [tuple(d) for d in denses]  # type: ignore[misc]


# ----------------------------------------------------------------------------- weights
def _keras3_weights(blob: bytes, layers: list[JsonObject], path: Path) -> Iterator[list[np.ndarray]]:
    """Each Dense's [kernel, bias?], found as Keras 3 names them: ``layers/dense``, ``dense_1``, ..."""
    import h5py  # noqa: PLC0415

    try:
        h5 = h5py.File(io.BytesIO(blob), "r")
    except OSError as exc:
        raise InputError(path, "model.weights.h5", f"not readable HDF5 ({exc})") from None
    with h5:
        k = 0
        for layer in layers:
            if layer.get("class_name") != "Dense":
                continue
            key = "layers/dense" + (f"_{k}" if k else "")
            k += 1
            if key + "/vars" not in h5:
                raise InputError(path, "model.weights.h5", f"no weights {key}/vars for layer {_name(layer)}")
            group = h5[key + "/vars"]
            yield [np.asarray(group[str(i)]) for i in range(len(group))]


def _keras2_weights(path: Path, layers: list[JsonObject]) -> Iterator[list[np.ndarray]]:
    """Each Dense's [kernel, bias?] from ``model_weights/<layer>`` in the order ``weight_names`` lists them."""
    import h5py  # noqa: PLC0415

    with h5py.File(path, "r") as h5:
        root = h5["model_weights"] if "model_weights" in h5 else h5
        for layer in layers:
            if layer.get("class_name") != "Dense":
                continue
            name = _name(layer)
            if name not in root:
                raise InputError(path, "model_weights", f"no weights for layer {name}")
            group = root[name]
            wnames = [w.decode() if isinstance(w, bytes) else str(w) for w in group.attrs.get("weight_names", [])]
            by_kind = {w.rsplit("/", 1)[-1].split(":")[0]: np.asarray(group[w]) for w in wnames}
            yield [by_kind[k] for k in ("kernel", "bias") if k in by_kind]


def read_dense_chain(path: str | os.PathLike) -> list[DenseSpec]:
    """The Dense layers of a ``.keras`` or ``.h5`` model file, weights included, checked for shape."""
    p = Path(path)
    if p.suffix == ".keras":
        config, blob = _keras_zip(p)
        layers = _layer_list(config, p)
        chain = _chain(layers, p)
        weights = list(_keras3_weights(blob, layers, p))
    else:
        config, _ = _h5_config(p)
        layers = _layer_list(config, p)
        chain = _chain(layers, p)
        weights = list(_keras2_weights(p, layers))
    out = []
    n_in = None
    for (name, units, use_bias, act), w in zip(chain, weights):
        kernel = np.asarray(w[0], dtype=np.float32) if w else np.zeros((0, 0), np.float32)
        bias = np.asarray(w[1], dtype=np.float32) if use_bias and len(w) > 1 else np.zeros(units, np.float32)
        if (
            kernel.ndim != 2
            or kernel.shape[1] != units
            or bias.shape != (units,)
            or (n_in is not None and kernel.shape[0] != n_in)
        ):
            raise InputError(
                p,
                f"layer {name}",
                f"weights of shape {[list(np.shape(x)) for x in w]} do not "
                f"match {units} units after {n_in if n_in is not None else '?'} inputs",
            )
        n_in = kernel.shape[1]
        out.append(DenseSpec(name, kernel, bias, act))
    return out


def import_model(path: str | os.PathLike) -> Bundle:
    """Our Bundle of a user's model file and the ``preprocess.json`` beside it."""
    p = Path(path)
    chain = read_dense_chain(p)
    spec, scaler, names, cfg = read_preprocess(p.parent / PREPROCESS_FILE)
    n_in = chain[0].kernel.shape[0]
    if n_in != len(names):
        raise InputError(p, "input", f"model takes {n_in} features, {PREPROCESS_FILE} names {len(names)}")
    n_out = 1 if spec.n_classes == 2 else spec.n_classes
    if chain[-1].kernel.shape[1] != n_out:
        raise InputError(
            p,
            f"layer {chain[-1].name}",
            f"{chain[-1].kernel.shape[1]} output unit(s), but target "
            f"{spec.target!r} has {spec.n_classes} classes (needs {n_out})",
        )
    net = build_mlp(n_in, spec.n_classes, ModelConfig(hidden=tuple(d.kernel.shape[1] for d in chain[:-1])))
    targets = [f"fc{i}" for i in range(1, len(chain))] + ["fc_out"]
    for name, d in zip(targets, chain):
        net.get_layer(name).set_weights([d.kernel, d.bias])
    return Bundle(
        model=net,
        spec=spec,
        scaler=scaler,
        feature_names=names,
        metrics={"imported_from": str(p.resolve())},
        config=cfg,
    )


def configs_of(path: str | os.PathLike) -> tuple[FeatureSpec, ModelConfig]:
    """(feature spec, model config) of a model without TensorFlow, so ``run --model`` checks it up front.

    An imported file's layer widths come from the file itself (a ``model_config``
    in its preprocess.json may describe another model); our bundles record theirs.
    """
    f = model_file(path)
    spec, _, _, cfg = read_preprocess(_preprocess_beside(f))
    if f.name == MODEL_FILE and cfg is not None and Path(path).is_dir():
        return spec, cfg
    hidden = tuple(d.kernel.shape[1] for d in read_dense_chain(f)[:-1])
    return spec, replace(cfg or ModelConfig(), hidden=hidden, quantized=False)


def model_digest(path: str | os.PathLike) -> dict[str, str]:
    """sha256 of the model file and its preprocess.json (what ``run --model`` re-runs on when changed)."""
    from fpga_prune.provenance import sha256_file  # noqa: PLC0415

    f = model_file(path)
    return {f.name: sha256_file(f), PREPROCESS_FILE: sha256_file(f.parent / PREPROCESS_FILE)}
