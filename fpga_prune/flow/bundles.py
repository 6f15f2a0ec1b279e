"""Model bundle directories: ``train`` and ``prune`` write them, ``generate`` reads them.

A bundle is a directory with the Keras model, ``preprocess.json`` and
``metrics.json`` (``fpga_prune.model.training``); a pruned bundle adds
``hls_config.json`` and ``budget.json``.  Why a library module: ``fpga-prune
train``/``prune`` and the ``run`` flow call the same two functions, and every
directory is published whole (``outdir.staged_dir``) or not at all.  Results
are return values: when nothing fits, ``prune_bundle`` returns the closest
design instead of raising, so the caller decides what a failed fit means.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from fpga_prune.errors import InputError
from fpga_prune.model.metrics import decision_agreement
from fpga_prune.outdir import JsonObject, read_json_object
from fpga_prune.progress import Progress
from fpga_prune.provenance import sha256_bytes

if TYPE_CHECKING:
    from fpga_prune.boards import Board, Caps
    from fpga_prune.data import Candles
    from fpga_prune.hls.settings import HlsSettings
    from fpga_prune.model.features import Dataset, FeatureSpec, Splits
    from fpga_prune.model.training import Bundle, ModelConfig
    from fpga_prune.search.config import FitConfig
    from fpga_prune.search.designs import Design, FitResult


# ----------------------------------------------------------------------------- train
class SplitSpan(TypedDict):
    """One split in ``metrics.json``: its size, time range and class balance."""

    n: int
    start: str
    end: str
    class_counts: list[int]


def _span(ds: Dataset) -> SplitSpan:
    import numpy as np  # noqa: PLC0415

    from fpga_prune.data import format_ts  # noqa: PLC0415

    return {
        "n": len(ds),
        "start": format_ts(int(ds.timestamp_ms[0])),
        "end": format_ts(int(ds.timestamp_ms[-1])),
        "class_counts": [int(c) for c in np.bincount(ds.y, minlength=ds.n_classes)],
    }


def train_bundle(
    candles: Candles,
    out: Path,
    spec: FeatureSpec,
    cfg: ModelConfig,
    *,
    threads: int | None = None,
    n_boot: int = 1000,
    boot_block: int = 48,
    imported: Bundle | None = None,
) -> tuple[JsonObject, float]:
    """Train ``cfg`` on ``candles`` and publish the bundle at ``out`` atomically.

    The one training step behind both ``fpga-prune train`` and ``fpga-prune run``;
    returns the ``metrics.json`` payload and the seconds spent fitting (kept out
    of the payload so the bundle stays byte-identical).  ``imported`` (a
    ``model.Bundle``, ``run --model``) is evaluated and published the same way
    instead of training.
    """
    from fpga_prune.data import data_record  # noqa: PLC0415
    from fpga_prune.model import features, metrics  # noqa: PLC0415
    from fpga_prune.model import training as model  # noqa: PLC0415
    from fpga_prune.outdir import staged_dir  # noqa: PLC0415

    if n_boot < 0:
        raise InputError("--n-boot", None, f"must be >= 0, got {n_boot}")
    if boot_block < 1:
        raise InputError("--boot-block", None, f"must be >= 1, got {boot_block}")
    if threads is not None and threads < 1:
        raise InputError("--threads", None, f"must be >= 1, got {threads}")
    ds = features.build(candles, spec)
    splits = features.split(ds, spec)
    t0 = time.perf_counter()
    if imported is None:
        net, history = model.train(splits, cfg, threads=threads)
    else:  # its test split is only held out if its scaler was fit on this train split
        features.require_same_scaler(splits.scaler, imported.scaler, str(candles.source), "the imported model")
        net, history = imported.model, {"imported_from": imported.metrics.get("imported_from")}
    t_train = time.perf_counter() - t0

    proba = model.predict_proba(net, splits.test.X)
    slices = features.regime_slices(splits.test, splits.train)
    test_metrics = metrics.evaluate(
        splits.test.y, proba, slices=slices, n_boot=n_boot, seed=cfg.seed, block=boot_block, n_classes=spec.n_classes
    )
    val_metrics = metrics.evaluate(
        splits.val.y, model.predict_proba(net, splits.val.X), n_boot=0, n_classes=spec.n_classes
    )
    n_in = ds.X.shape[1]
    payload: JsonObject = {
        "target": spec.target,
        "target_meaning": features.TARGETS[spec.target][1],
        "data": data_record(candles),  # prune/generate find (and check) the candles by it
        "splits": {
            "train": _span(splits.train),
            "val": _span(splits.val),
            "test": _span(splits.test),
            "purge": spec.purge,
        },
        "model": {
            "config": cfg.to_dict(),
            "n_inputs": n_in,
            "n_params": int(net.count_params()),
            "multiplies": model.multiplies(n_in, spec.n_classes, cfg.hidden),
        },
        "training": history,
        "validation": val_metrics,
        "test": test_metrics,
        "regime_slices": "trailing volatility terciles, thresholds from the training split",
    }
    pre = model.preprocess_dict(spec, splits.scaler, ds.feature_names, cfg)
    with staged_dir(out) as stage:
        model.save_bundle(stage, net, pre, payload)
    return payload, t_train


# ----------------------------------------------------------------------------- prune
@dataclass(frozen=True)
class PruneResult:
    """``budget``: the budget.json document (of the closest design when nothing fits);
    ``failure``: why nothing fits (None when a design fits and ``out`` was written)."""

    budget: JsonObject
    failure: str | None

    @property
    def fits(self) -> bool:
        return self.failure is None


def _accuracy(bundle: Bundle, splits: Splits, result: FitResult, cfg: FitConfig) -> JsonObject:
    """Out-of-sample (test split) numbers of the chosen design against the dense model."""
    from fpga_prune.arith import emulate  # noqa: PLC0415
    from fpga_prune.hls.adapter import network_from_keras  # noqa: PLC0415
    from fpga_prune.model.training import predict_proba  # noqa: PLC0415
    from fpga_prune.prune import metrics as pm  # noqa: PLC0415

    fn = pm.metric_fn(cfg.metric)
    X, y = splits.test.X, splits.test.y
    p_dense = predict_proba(bundle.model, X)
    chosen = result.chosen
    p_hw = emulate.predict(network_from_keras(chosen.model, chosen.settings), X)
    p_float = predict_proba(chosen.model, X)
    dense, pruned = float(fn(y, p_dense)), float(fn(y, p_hw))
    baseline = float(pm.chance(cfg.metric, y))
    edge = dense - baseline
    return {
        "metric": cfg.metric,
        "split": "test",
        "n_test": int(len(y)),
        "dense": round(dense, 6),
        "pruned": round(pruned, 6),
        "pruned_float": round(float(fn(y, p_float)), 6),
        "baseline": round(baseline, 6),
        "retention": round(pruned / dense, 6) if dense else None,
        "skill_retention": round((pruned - baseline) / edge, 6) if abs(edge) > 1e-9 else None,
        "decision_agreement": round(decision_agreement(p_dense, p_hw), 6),
        "min_retention": cfg.min_retention,
        "dense_val": round(result.dense_val_metric, 6),
        "pruned_val": round(chosen.val_metric, 6),
        "floor_val": round(cfg.min_retention * result.dense_val_metric, 6),
    }


def _history(splits: Splits, result: FitResult, cfg: FitConfig) -> list[JsonObject]:
    """Every design tried, the Pareto front (cost vs validation metric, among designs that fit)
    marked, with the test metric of the front's designs (the test split stays out of every choice)."""
    from fpga_prune.arith import emulate  # noqa: PLC0415
    from fpga_prune.hls.adapter import network_from_keras  # noqa: PLC0415
    from fpga_prune.prune import metrics as pm  # noqa: PLC0415
    from fpga_prune.search import budget as budget_mod  # noqa: PLC0415

    hist = budget_mod.mark_front(result.history(), result.chosen.index)
    fn = pm.metric_fn(cfg.metric)
    for h, d in zip(hist, result.designs):
        if h["front"] or h["chosen"]:
            p = emulate.predict(network_from_keras(d.model, d.settings), splits.test.X)
            h["test_metric"] = round(float(fn(splits.test.y, p)), 6)
    return hist


def _pruning(bundle: Bundle, chosen: Design) -> JsonObject:
    from fpga_prune.prune.graph import nonzero_weights, widths  # noqa: PLC0415

    nz, total = nonzero_weights(chosen.model)
    _, dense_total = nonzero_weights(bundle.model)
    dense_widths = widths(bundle.model)
    dense_params = bundle.model.count_params()
    pruned_params = nz + sum(chosen.widths[1:])  # nonzero kernel weights + one bias per unit
    return {
        "dense_widths": list(dense_widths),
        "widths": list(chosen.widths),
        "sparsity": round(chosen.sparsity, 6),
        "multiply_reduction": round(1.0 - nz / dense_total, 6),
        "dense_multiplies": int(dense_total),
        "multiplies": int(nz),
        "compression_ratio": round(dense_params / max(pruned_params, 1), 6),
        "structured_neurons_removed": int(sum(dense_widths[1:-1]) - sum(chosen.widths[1:-1])),
        "total_weights_after_structured": int(total),
    }


def prune_bundle(
    model_dir: Path,
    candles: Candles,
    board: Board,
    caps: Caps,
    cfg: FitConfig,
    out: Path,
    *,
    data_label: str = "--data",
    progress: Progress | None = None,
    bundle: Bundle | None = None,
) -> PruneResult:
    """Prune the bundle in ``model_dir`` to fit ``board`` and publish ``out`` when a design fits.

    The one pruning step behind both ``fpga-prune prune`` and ``fpga-prune run``.
    When nothing fits it writes nothing and the result holds the closest
    design's ``budget.json`` document with ``fits`` False and the shortfall as
    ``failure`` (the caller decides: the command exits 1, ``run`` reports it).
    """
    from fpga_prune.data import data_record  # noqa: PLC0415
    from fpga_prune.model import features  # noqa: PLC0415
    from fpga_prune.model.training import load_bundle, preprocess_dict, save_bundle  # noqa: PLC0415
    from fpga_prune.outdir import staged_dir, write_tree  # noqa: PLC0415
    from fpga_prune.search import budget as budget_mod  # noqa: PLC0415
    from fpga_prune.search.designs import fit_failure  # noqa: PLC0415
    from fpga_prune.search.fit import prune_to_fit  # noqa: PLC0415

    bundle = bundle if bundle is not None else load_bundle(model_dir)
    splits = features.split(features.build(candles, bundle.spec), bundle.spec)
    features.require_same_scaler(splits.scaler, bundle.scaler, data_label, model_dir)
    say = progress or (lambda _m: None)
    say(f"board {board.name} ({board.part}); floor: retention >= {cfg.min_retention} on validation {cfg.metric}")
    result = prune_to_fit(bundle.model, splits, board, caps, cfg, progress=say)
    chosen = result.chosen
    accuracy = _accuracy(bundle, splits, result, cfg)
    design = {**chosen.summary(), "describe": chosen.describe()}
    doc = budget_mod.budget_dict(
        board=board,
        caps=result.caps,  # with what the interface took from the budget, if any
        estimate=chosen.estimate,
        fits=result.fits,
        design=design,
        accuracy=accuracy,
        pruning=_pruning(bundle, chosen),
        history=_history(splits, result, cfg),
        shortfall=result.shortfall,
    )
    doc["search"] = cfg.to_dict()
    if result.interface is not None:  # what wraps the network, reserved from the budget before its fit check
        doc["interface"] = {**result.interface.to_dict(), "reserved": dict(result.caps.reserved)}
    doc["costing"] = result.costing
    doc["sensitivity"] = result.sensitivity
    doc["precision_sensitivity"] = result.precision_sensitivity
    failure = fit_failure(result)
    if failure is not None:
        return PruneResult(doc, failure)
    with staged_dir(out) as stage:
        pre = preprocess_dict(bundle.spec, bundle.scaler, bundle.feature_names, bundle.config)
        save_bundle(
            stage,
            chosen.model,
            pre,
            {"pruned_from": str(model_dir), "accuracy": accuracy, "data": data_record(candles)},
        )
        write_tree(stage, {"hls_config.json": chosen.settings.to_json(), **budget_mod.files(doc)})
    return PruneResult(doc, None)


# ----------------------------------------------------------------------------- read (generate)
@dataclass(frozen=True, eq=False)
class PrunedModel:
    """A model directory as ``prune`` (or ``train``) wrote it, with its hashes."""

    directory: Path
    bundle: Bundle
    settings: HlsSettings
    settings_source: str
    budget: JsonObject | None
    file_hashes: dict[str, str]
    data_hint: str | None

    @property
    def model_sha256(self) -> str:
        """One hash over every input file that defines the design (sorted name + sha256)."""
        h = hashlib.sha256()
        for name, digest in sorted(self.file_hashes.items()):
            h.update(f"{name}\0{digest}\n".encode())
        return h.hexdigest()


def _data_hint(directory: Path) -> str | None:
    """The candle file the model was made from, if it is recorded and unchanged."""
    from fpga_prune.data import recorded_source  # noqa: PLC0415

    try:
        return str(recorded_source(directory))
    except InputError:
        return None


def check_model_dir(model_dir: str | os.PathLike[str]) -> Path:
    """Cheap checks (no TensorFlow) so bad input fails before anything is loaded or written."""
    from fpga_prune.model.training import MODEL_FILE, PREPROCESS_FILE  # noqa: PLC0415

    d = Path(model_dir)
    if not d.is_dir():
        raise InputError(d, None, "model directory not found")
    for name in (MODEL_FILE, PREPROCESS_FILE):
        if not (d / name).is_file():
            raise InputError(d, name, "missing; expected a model directory written by `fpga-prune prune` or `train`")
    return d


def load_pruned(model_dir: str | os.PathLike[str]) -> PrunedModel:
    """Load the Keras model, preprocessing, ``hls_config.json`` and ``budget.json`` of a model dir."""
    from fpga_prune.hls.settings import HlsSettings  # noqa: PLC0415
    from fpga_prune.model.training import MODEL_FILE, PREPROCESS_FILE, load_bundle  # noqa: PLC0415

    d = check_model_dir(model_dir)
    settings_path = d / "hls_config.json"
    if settings_path.is_file():
        settings, source = HlsSettings.read(settings_path), "hls_config.json"
    else:
        settings, source = HlsSettings(), "defaults (no hls_config.json in the model directory)"
    budget = None
    if (d / "budget.json").is_file():
        budget = read_json_object(d / "budget.json")
    hashes = {
        name: sha256_bytes((d / name).read_bytes())
        for name in (MODEL_FILE, PREPROCESS_FILE, "hls_config.json", "budget.json")
        if (d / name).is_file()
    }
    bundle = load_bundle(d)
    return PrunedModel(d, bundle, settings, source, budget, hashes, _data_hint(d))


def resolve_data(pruned_dir: Path, data: str | os.PathLike[str] | None) -> Path:
    """``data`` when given (a file, or ``sample:NAME``: the built-in sample's packaged file), else the candle
    file the model directory names (InputError when neither is readable)."""
    if data is not None:
        from fpga_prune.data.builtin import get_sample, sample_ref  # noqa: PLC0415

        name = sample_ref(data)
        if name is not None:
            return get_sample(name).file
        p = Path(data)
        if not p.is_file():
            raise InputError(p, None, "data file not found")
        return p
    from fpga_prune.data import recorded_source  # noqa: PLC0415

    return recorded_source(pruned_dir)  # one-line error when not recorded, moved or changed
