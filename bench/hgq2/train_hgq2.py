"""HGQ2 baseline, run INSIDE the HGQ2 venv (``setup_venv.sh``): train, convert to hls4ml, predict.

Why a separate process and venv: ``hgq2`` installs its own ``qkeras`` package and
Keras 3, which replace the QKeras/legacy Keras fpga_prune needs, so this script
never imports fpga_prune.  It reads the exact splits ``bench/bench_hgq2.py``
exported (.npz: scaled ``X_*``, labels ``y_*`` of train/val/test), trains one HGQ2
MLP per sweep point -- the default fpga_prune architecture (hidden sizes from the
.npz, relu, one logit) with per-weight and per-activation widths learned under the
EBOPs resource penalty ``beta`` -- with early stopping on the validation objective
(BCE + beta x EBOPs, ``objective_callback``), and
writes each point as ``OUT/<point>/prj`` (an hls4ml 1.3 Vitis io_parallel project,
converted as HGQ2's docs do: ``Precision 'ap_fixed<-1,0>'``, i.e. every type from
the trained quantizers) and ``OUT/<point>/pred.npz`` (HGQ2's own val/test logits),
plus ``OUT/points.json``.  Usage::

    python train_hgq2.py --splits SPLITS.npz --out DIR [--betas 1e-6,3e-6] [--init-bits 4,8]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np

DEFAULT_BETAS = (3e-6, 1e-5, 3e-5, 1e-4)
DEFAULT_INIT_BITS = (4, 8)
SPLIT_KEYS = ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test", "hidden", "n_classes")


def build(n_inputs: int, hidden: tuple[int, ...], beta: float, init_bits: int):
    """The MLP with HGQ2 quantizers: kbi weights (``init_bits`` wide at start), kif activations."""
    import keras
    from hgq.config import LayerConfigScope, QuantizerConfigScope
    from hgq.layers import QDense

    with (
        QuantizerConfigScope(place="all", default_q_type="kbi", overflow_mode="SAT_SYM"),
        QuantizerConfigScope(place="weight", default_q_type="kbi", overflow_mode="SAT_SYM", b0=init_bits),
        QuantizerConfigScope(place="datalane", default_q_type="kif", overflow_mode="WRAP", f0=init_bits),
        LayerConfigScope(enable_ebops=True, beta0=beta),
    ):
        inp = keras.Input(shape=(n_inputs,), name="features")
        x = inp
        for i, h in enumerate(hidden, 1):
            x = QDense(h, activation="relu", name=f"fc{i}")(x)
        out = QDense(1, name="fc_out")(x)
    return keras.Model(inp, out, name="hgq2_mlp")


def ebops(model) -> int:
    from hgq.layers import QLayerBase
    from keras import ops

    return int(
        sum(
            int(ops.convert_to_numpy(ly._ebops))
            for ly in model._flatten_layers()
            if isinstance(ly, QLayerBase) and ly.enable_ebops
        )
    )


def objective_callback(beta: float):
    """Logs ``ebops`` and ``val_objective`` = validation BCE + beta x EBOPs, what HGQ2 trades off.

    Why: Keras' ``val_loss`` leaves out HGQ2's EBOPs penalty, so early stopping on it stops
    after a few epochs, before any width has shrunk; stopping on the objective lets the
    widths fall until accuracy and cost stop improving together.
    """
    import keras

    class Objective(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs is not None:
                logs["ebops"] = ebops(self.model)
                logs["val_objective"] = float(logs["val_loss"]) + beta * logs["ebops"]

    return Objective()


def logits(model, X: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(X, batch_size=4096, verbose=0), dtype=np.float64)[:, 0]


def train_point(d, hidden, beta: float, init_bits: int, args, out: Path) -> dict:
    import keras
    from hls4ml.converters import convert_from_keras_model

    keras.utils.set_random_seed(args.seed)
    model = build(d["X_train"].shape[1], hidden, beta, init_bits)
    model.compile(optimizer=keras.optimizers.Adam(args.lr), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    stop = keras.callbacks.EarlyStopping(
        monitor="val_objective", mode="min", patience=args.patience, restore_best_weights=True
    )
    t0 = time.perf_counter()
    hist = model.fit(
        d["X_train"],
        d["y_train"].astype(np.float32),
        validation_data=(d["X_val"], d["y_val"].astype(np.float32)),
        epochs=args.epochs,
        batch_size=args.batch_size,
        shuffle=True,
        callbacks=[objective_callback(beta), stop],
        verbose=0,
    )
    train_s = time.perf_counter() - t0
    # HGQ2's docs: re-derive activation ranges on the training data before conversion (trace_minmax).
    from hgq.utils import trace_minmax

    trace_minmax(model, d["X_train"], batch_size=4096, verbose=0)
    prj = out / "prj"
    hls_config = {"Model": {"Precision": "ap_fixed<-1,0>", "ReuseFactor": 1, "Strategy": "latency"}}
    hm = convert_from_keras_model(
        model,
        hls_config=hls_config,
        output_dir=str(prj),
        backend="Vitis",
        io_type="io_parallel",
        part=args.part,
        clock_period=args.clock_period,
        project_name="myproject",
    )
    hm.write()
    np.savez_compressed(out / "pred.npz", val=logits(model, d["X_val"]), test=logits(model, d["X_test"]))
    return {
        "beta": beta,
        "init_bits": init_bits,
        "epochs_run": len(hist.history["val_loss"]),
        "best_val_objective": round(float(min(hist.history["val_objective"])), 6),
        "ebops": ebops(model),
        "best_epoch": int(np.argmin(hist.history["val_objective"])) + 1,
        "train_s": round(train_s, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--splits", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--betas", default=",".join(map(str, DEFAULT_BETAS)))
    ap.add_argument("--init-bits", default=",".join(map(str, DEFAULT_INIT_BITS)))
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--patience", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--part", default="xc7z020clg400-1")
    ap.add_argument("--clock-period", type=float, default=10.0)
    args = ap.parse_args(argv)
    try:
        d = dict(np.load(args.splits))
    except (OSError, ValueError) as e:
        print(f"{args.splits}: cannot read the splits: {e}", file=sys.stderr)
        return 2
    missing = sorted(set(SPLIT_KEYS) - set(d))
    if missing:
        print(f"{args.splits}: {missing[0]}: missing; not an export of bench_hgq2.export_splits", file=sys.stderr)
        return 2
    try:
        betas = [float(b) for b in args.betas.split(",")]
        init_bits = [int(b) for b in args.init_bits.split(",")]
    except ValueError as e:
        print(f"--betas/--init-bits: {e}", file=sys.stderr)
        return 2
    hidden = tuple(int(h) for h in d["hidden"])
    if int(d["n_classes"]) != 2:
        print(f"{args.splits}: n_classes: {int(d['n_classes'])}, only binary targets are run", file=sys.stderr)
        return 2
    import hgq
    import hls4ml
    import keras

    points = []
    for beta in betas:
        for bits in init_bits:
            name = f"beta{beta:g}-b{bits}"
            out = args.out / name
            out.mkdir(parents=True, exist_ok=True)
            row = {"name": name, **train_point(d, hidden, beta, bits, args, out)}
            print(json.dumps(row), file=sys.stderr, flush=True)
            points.append(row)
    versions = {
        "hgq2": hgq.__version__,
        "hls4ml": hls4ml.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
    }
    if keras.backend.backend() == "jax":
        import jax

        versions["jax"] = jax.__version__
    doc = {
        "versions": versions,
        "hidden": list(hidden),
        "epochs": args.epochs,
        "patience": args.patience,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "points": points,
    }
    (args.out / "points.json").write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
