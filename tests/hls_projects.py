"""hls4ml projects for the foreign-project tests: written by hls4ml 1.3, verified through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def write_project(model, out: Path, top: str | None = None, **settings) -> Path:
    """hls4ml's project of ``model`` (``HlsSettings(**settings)``), its top renamed to ``top`` if given."""
    from fpga_prune.hls.adapter import convert
    from fpga_prune.hls.settings import HlsSettings

    convert(model, HlsSettings(**settings), out).write()
    if top:  # hls_adapter.convert always names the top myproject: rename it as ProjectName would
        for f in sorted(
            p
            for p in out.rglob("*")
            if p.is_file() and "weights" not in p.parts and p.suffix in (".h", ".cpp", ".tcl", ".yml", ".sh")
        ):
            text = f.read_text(errors="replace")
            new = text.replace("myproject", top).replace("MYPROJECT", top.upper())
            if new != text:
                f.write_text(new)
        for f in sorted(out.rglob("*myproject*"), reverse=True):
            f.rename(f.with_name(f.name.replace("myproject", top)))
    return out


def set_weights(model, seed: int):
    """Every weight drawn from N(0, 0.6) with ``seed``: layers of distinct, nonzero weights."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        w = layer.get_weights()
        if w:
            layer.set_weights([rng.normal(0, 0.6, size=a.shape).astype(np.float32) for a in w])
    return model


def tau_model():
    """A chain with every layer kind hls4ml writes for us: Dense+relu, Dense, sigmoid, Dense, softmax."""
    import keras

    inp = keras.layers.Input((6,), name="q_dense_3_input")
    x = keras.layers.Dense(8, activation="relu", name="q_dense_3")(inp)
    x = keras.layers.Dense(5, name="fc_b")(x)
    x = keras.layers.Activation("sigmoid", name="sig")(x)
    x = keras.layers.Dense(3, name="out_fc")(x)
    x = keras.layers.Activation("softmax", name="sm")(x)
    return set_weights(keras.Model(inp, x), 3)


def verify_model_check(prj: Path) -> dict:
    """``fpga-prune verify PRJ --json`` (the project's C simulation as reference): its bit-accurate-model check."""
    r = subprocess.run(
        [sys.executable, "-m", "fpga_prune.cli", "verify", str(prj), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return next(c for c in json.loads(r.stdout)["checks"] if c["name"] == "bit_accurate_model")
