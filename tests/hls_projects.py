"""hls4ml projects for the foreign-project tests: written by hls4ml 1.3, verified through the CLI."""

from __future__ import annotations

import json
import re
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


# per-element (signed, bits, integer bits) of the input quantizer: element 2 is zero-bit (always 0)
IN_KBI = ((1, 4, 2), (0, 3, 1), (1, 0, 0), (1, 6, 3), (1, 2, 1), (0, 5, 2))
RELU_KBI = tuple((0, 2 + (j % 4), 1 + (j % 2)) for j in range(8))


def hgq_mask(name: str, kbi, rnd: str, sat: str) -> str:
    """An HGQ FixedPointQuantizer mask function as hls4ml's own ``generate_mask_fn`` writes it."""
    from hls4ml.backends.fpga.passes.hgq_proxy_model import generate_mask_fn

    k, b, i = (np.array([[e[j] for e in kbi]]) for j in range(3))
    return generate_mask_fn(name, (len(kbi),), k, b, i, rnd, sat, "vitis")


def hgq_project(tmp_path: Path) -> Path:
    """The tau model of test_verify_foreign as HGQ builds it: quantizers on the input and after the ReLU."""
    prj = write_project(
        tau_model(), tmp_path / "hgq_prj", default_precision="ap_fixed<10,4>", input_precision="ap_fixed<16,6>"
    )
    gen = prj / "firmware" / "nnet_utils" / "nnet_code_gen.h"
    gen.write_text(
        gen.read_text().replace(
            "// hls4ml insert code\n",
            "// hls4ml insert code\n"
            + hgq_mask("q_in", IN_KBI, "RND", "SAT")
            + hgq_mask("q_relu", RELU_KBI, "TRN", "WRAP"),
        )
    )
    top = prj / "firmware" / "myproject.cpp"
    text = top.read_text()
    text = text.replace(
        "    nnet::dense<input_t, q_dense_3_result_t, config2>(q_dense_3_input,",
        "    q_in_t q_in_out[6];\n    #pragma HLS ARRAY_PARTITION variable=q_in_out complete dim=0\n"
        "    nnet::q_in<input_t, q_in_t>(q_dense_3_input, q_in_out); // q_in\n\n"
        "    nnet::dense<q_in_t, q_dense_3_result_t, config2>(q_in_out,",
    )
    text = re.sub(
        r"(nnet::relu<q_dense_3_result_t, layer3_t, relu_config3>\(layer2_out, )layer3_out\);",
        r"layer3_t layer3_pre[8];\n    \1layer3_pre);\n"
        r"    nnet::q_relu<layer3_t, layer3_t>(layer3_pre, layer3_out); // q_relu\n",
        text,
    )
    assert "nnet::q_in<" in text and "nnet::q_relu<" in text
    top.write_text(text)
    defines = prj / "firmware" / "defines.h"  # the mask's result type: wide enough for every element, as HGQ's
    text = defines.read_text()
    defines.write_text(text[: text.rindex("#endif")] + "typedef ap_fixed<9,4> q_in_t;\n\n#endif\n")
    return prj
