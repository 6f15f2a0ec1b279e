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


def bn_model():
    """Dense -> relu -> BatchNormalization (not fusable into the Dense: a ReLU sits between) -> Dense (3 outputs)."""
    import keras

    inp = keras.layers.Input((6,), name="x")
    h = keras.layers.Dense(8, activation="relu", name="fc1")(inp)
    h = keras.layers.BatchNormalization(name="bn")(h)
    out = keras.layers.Dense(3, name="fc2")(h)
    model = keras.Model(inp, out)
    rng = np.random.default_rng(11)
    for layer in model.layers:
        w = layer.get_weights()
        if w:
            vals = [rng.normal(0, 0.6, size=a.shape).astype(np.float32) for a in w]
            if layer.name == "bn":  # gamma, beta, moving mean, moving variance (> 0)
                vals[3] = np.abs(vals[3]) + 0.3
            layer.set_weights(vals)
    return model


def two_head_model():
    """A shared trunk and two Dense heads, each its own output array (head_a: 2 elements, head_b: 1)."""
    import keras

    inp = keras.layers.Input((5,), name="input_6")
    h = keras.layers.Dense(6, activation="relu", name="trunk")(inp)
    a = keras.layers.Dense(2, name="head_a")(h)
    b = keras.layers.Dense(1, name="head_b")(h)
    return set_weights(keras.Model(inp, [a, b]), 4)


#: narrow, rounding and saturating results for graph_model's merges, so their casts clip and round
GRAPH_MERGE_PRECISION = {
    "add": "ap_fixed<8,3,AP_RND,AP_SAT>",
    "sub": "ap_fixed<7,3,AP_RND,AP_SAT>",
    "cat": "ap_fixed<10,4,AP_RND,AP_SAT>",
}


def graph_model():
    """Four heads over a shared trunk, with every merge the IR models and branches of unequal depth.

    cls_sm (softmax of 3) and reg (1) read the trunk; add = h + deep and sub = deep - h join a branch
    two layers deeper than the other; cat joins add with ``wide``, a Dense that reads the input itself.
    Outputs, in order: cls_sm[3], reg[1], cat[8], sub[4] and the trunk's own output[8], which the
    heads read too (a top output array that is also a layer's input).
    """
    import keras

    x = keras.layers.Input((6,), name="x")
    t = keras.layers.Dense(8, activation="relu", name="trunk")(x)
    cls = keras.layers.Activation("softmax", name="cls_sm")(keras.layers.Dense(3, name="cls")(t))
    reg = keras.layers.Dense(1, name="reg")(t)
    h = keras.layers.Dense(4, name="h")(t)
    deep = keras.layers.Dense(4, activation="relu", name="deep")(h)
    add = keras.layers.Add(name="add")([h, deep])
    sub = keras.layers.Subtract(name="sub")([deep, h])
    wide = keras.layers.Dense(4, name="wide")(x)
    cat = keras.layers.Concatenate(name="cat")([add, wide])
    return set_weights(keras.Model(x, [cls, reg, cat, sub, t]), 7)


def graph_project(out: Path) -> Path:
    """``graph_model`` as hls4ml 1.3 writes it (Vitis, io_parallel), its merges' results narrow."""
    from fpga_prune.hls.settings import LayerSettings

    layers = tuple(sorted((n, LayerSettings(result=p)) for n, p in GRAPH_MERGE_PRECISION.items()))
    return write_project(graph_model(), out, default_precision="ap_fixed<12,4>", layers=layers)


def write_as_export(files: dict[str, str], out: Path) -> Path:
    """Our rendered RTL written as a stand-in Vitis export: no ``ports.json`` (a real export's ports are read
    from its Verilog and the top function), the header naming Vitis HLS."""
    from fpga_prune.outdir import write_tree

    write_tree(
        out,
        {
            k: v.replace("Generated by fpga_prune", "Generated by Vitis HLS (emulated)")
            for k, v in files.items()
            if k != "ports.json"
        },
    )
    return out


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``fpga-prune ARGS`` in a process of its own (its exit code, stdout and stderr as a user sees them)."""
    return subprocess.run(
        [sys.executable, "-m", "fpga_prune.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def verify_model_check(prj: Path) -> dict:
    """``fpga-prune verify PRJ --json`` (the project's C simulation as reference): its bit-accurate-model check."""
    r = run_cli("verify", str(prj), "--json")
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


def as_hls4ml_0x(prj: Path, part: str = "xcku115-flvb2104-2-i", clock: float = 3.33) -> Path:
    """Rewrite an hls4ml 1.3 io_parallel project the way hls4ml 0.x (0.2-0.4) wrote its firmware.

    No ``defines.h``: sizes as ``#define N_INPUT_1_1`` / ``N_LAYER_<k>`` and every typedef in ``parameters.h``,
    the configs' ``n_in``/``n_out`` and the top's array sizes spelled with those defines; the top takes two more
    reference arguments ``unsigned short &const_size_in_1, &const_size_out_1`` and writes the sizes to them;
    Dense calls are ``nnet::dense_latency``, each layer's output is saved by host-only ``save_layer_output`` (as
    with ``Trace: True``, which makes the top's output array the first argument of an ``nnet::`` call too); no
    ``project.tcl``: the part and clock are literals of
    ``build_prj.tcl`` and the YAML's part key is ``XilinxPart``; the weights are included by the top's source.
    """
    import re

    fw = prj / "firmware"
    top = next(p.stem for p in fw.glob("*.cpp"))
    typedefs = "\n".join(re.findall(r"^typedef [^;]+;$", (fw / "defines.h").read_text(), re.M))
    cpp, header = (fw / f"{top}.cpp").read_text(), (fw / f"{top}.h").read_text()
    sig = re.search(rf"void {top}\(\s*(\w+) (\w+)\[(\d+)\],\s*(\w+) (\w+)\[(\d+)\]\s*\)", cpp)
    assert sig, "not a one-input, one-output io_parallel top"
    defines = {"N_INPUT_1_1": int(sig.group(3))}
    for name, size in re.findall(r"\w+ layer(\d+)_out\[(\d+)\];", cpp) + [
        (re.sub(r"\D", "", sig.group(5)), sig.group(6))
    ]:
        defines.setdefault(f"N_LAYER_{name}", int(size))
    by_value: dict[int, str] = {}
    for k, v in defines.items():
        by_value.setdefault(v, k)
    out_define = f"N_LAYER_{re.sub(r'[^0-9]', '', sig.group(5))}"
    array_size = {v: by_value[int(n)] for v, n in re.findall(r"\w+ (layer\d+_out)\[(\d+)\];", cpp)}
    array_size[sig.group(5)] = out_define
    new_sig = (
        f"void {top}(\n    {sig.group(1)} {sig.group(2)}[N_INPUT_1_1],\n"
        f"    {sig.group(4)} {sig.group(5)}[{out_define}],\n"
        "    unsigned short &const_size_in_1,\n    unsigned short &const_size_out_1\n)"
    )
    cpp = cpp[: sig.start()] + new_sig + cpp[sig.end() :]
    cpp = cpp.replace(
        "    #pragma HLS PIPELINE\n",
        f"    #pragma HLS PIPELINE\n\n    const_size_in_1 = N_INPUT_1_1;\n    const_size_out_1 = {out_define};\n",
        1,
    )
    cpp = re.sub(
        r"(\w+) (layer\d+_out)\[(\d+)\];", lambda m: f"{m.group(1)} {m.group(2)}[{by_value[int(m.group(3))]}];", cpp
    )
    cpp = cpp.replace("nnet::dense<", "nnet::dense_latency<")
    # Trace: True, as hls4ml 0.5-0.8 wrote it: each layer's output saved by host-only code after the call
    cpp = re.sub(
        r"^(    nnet::(?!load_)\w+<\w+, (\w+), \w+>\((\w+), (\w+)[^;]*\); // (\w+)\n)",
        lambda m: (
            f"{m.group(1)}#ifndef __SYNTHESIS__\n    nnet::save_layer_output<{m.group(2)}>({m.group(4)}, "
            f'"{m.group(5)}", {array_size[m.group(4)]});\n#endif\n'
        ),
        cpp,
        flags=re.M,
    )
    params = (fw / "parameters.h").read_text()
    weights = re.findall(r'^#include "weights/\w+\.h"\n', params, re.M)  # 0.x: the top includes the weights
    for w in weights:
        params = params.replace(w, "")
    cpp = cpp.replace(f'#include "{top}.h"\n', f'#include "{top}.h"\n\n' + "".join(weights), 1)
    (fw / f"{top}.cpp").write_text(cpp)
    hsig = re.search(rf"void {top}\([^)]*\);", header)
    assert hsig
    header = header[: hsig.start()] + new_sig + ";" + header[hsig.end() :]
    (fw / f"{top}.h").write_text(header.replace('#include "defines.h"', '#include "parameters.h"'))
    numbers = "\n".join(f"#define {k} {v}" for k, v in defines.items())
    params = params.replace(
        "// hls-fpga-machine-learning insert weights",
        "//hls-fpga-machine-learning insert numbers\n"
        f"{numbers}\n\n//hls-fpga-machine-learning insert layer-precision\n{typedefs}\n\n"
        "// hls-fpga-machine-learning insert weights",
        1,
    )
    params = params.replace('#include "defines.h"\n', "")
    params = re.sub(
        r"(static const unsigned (?:n_in|n_out) = )(\d+);",
        lambda m: m.group(1) + by_value.get(int(m.group(2)), m.group(2)) + ";",
        params,
    )
    (fw / "parameters.h").write_text(params)
    (fw / "defines.h").unlink()
    (prj / "project.tcl").unlink()
    (prj / "build_prj.tcl").write_text(
        f'open_project -reset {top}_prj\nset_top {top}\nadd_files firmware/{top}.cpp -cflags "-std=c++0x"\n'
        f'open_solution -reset "solution1"\nset_part {{{part}}}\ncreate_clock -period {clock:g} -name default\n'
        "csynth_design\n"
    )
    cfg = (prj / "hls4ml_config.yml").read_text()
    cfg = re.sub(r"^Part: .*$", f"XilinxPart: {part}", cfg, flags=re.M)
    cfg = re.sub(r"^ClockPeriod: .*$", "ClockPeriod: 5", cfg, flags=re.M)  # build_prj.tcl's literal wins
    (prj / "hls4ml_config.yml").write_text(cfg)
    return prj


def write_stream_project(model, out: Path, precision: str = "ap_fixed<16,6>", part: str = "xc7z020clg400-1") -> Path:
    """hls4ml 1.3's own io_stream project of ``model`` (Vitis backend), as a user's script writes it.

    Why hls4ml directly: ``HlsSettings`` (our generate path) builds io_parallel projects only; an io_stream
    project comes from a user's ``convert_from_keras_model(..., io_type='io_stream')``."""
    import hls4ml

    cfg = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="Vitis")
    cfg["Model"]["Precision"] = precision
    hls4ml.converters.convert_from_keras_model(
        model, hls_config=cfg, output_dir=str(out), backend="Vitis", io_type="io_stream", part=part
    ).write()
    return out


def small_model():
    """Dense(5)+relu, Dense(3), softmax on 4 inputs: the smallest chain with every io_stream kernel kind we model."""
    import keras

    inp = keras.layers.Input((4,), name="x_in")
    x = keras.layers.Dense(5, activation="relu", name="fc1")(inp)
    x = keras.layers.Dense(3, name="fc2")(x)
    x = keras.layers.Activation("softmax", name="sm")(x)
    return set_weights(keras.Model(inp, x), 5)


def two_input_model():
    """A Keras functional model with two ``Input``s: in_a(4) -> Dense(5)+relu, in_b(3) -> Dense(2), concatenated,
    then Dense(3) (hls4ml writes one top argument per Input)."""
    import keras

    a = keras.layers.Input((4,), name="in_a")
    b = keras.layers.Input((3,), name="in_b")
    x = keras.layers.Dense(5, activation="relu", name="fa")(a)
    y = keras.layers.Dense(2, name="fb")(b)
    c = keras.layers.Concatenate(name="cat")([x, y])
    return set_weights(keras.Model([a, b], keras.layers.Dense(3, name="out")(c)), 3)


def write_two_input_project(out: Path, io_type: str = "io_parallel") -> Path:
    """hls4ml 1.3's own project of ``two_input_model`` (Vitis backend), in_b of its own type (ap_fixed<10,3>),
    as a user's script writes it (``HlsSettings`` converts one-input models only)."""
    import hls4ml

    model = two_input_model()
    cfg = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="Vitis")
    cfg["Model"]["Precision"] = "ap_fixed<16,6>"
    cfg["LayerName"]["in_b"]["Precision"]["result"] = "ap_fixed<10,3>"
    hls4ml.converters.convert_from_keras_model(
        model, hls_config=cfg, output_dir=str(out), backend="Vitis", io_type=io_type, part="xc7z020clg400-1"
    ).write()
    return out


#: the right shifts of the scalar top's own code (``as_scalar_top``), one per input; negative: a left shift
GLUE_SHIFTS = (8, 3, 0, -1)


def as_scalar_top(prj: Path) -> Path:
    """Rewrite the top of an io_parallel project of ``small_model`` (``x_in[4]``) the way a public trigger project
    wrote its own (max-cohen54/AD_trigger_training, ``Topo2A_AD_proj``): one ``int`` argument per input, cast to
    ``ap_fixed<30,21>`` and shifted into a local ``input_t x_in[4]``, which the first layer reads."""
    fw = prj / "firmware"
    args = ",\n    ".join(f"int s_{i}" for i in range(4))
    for f in ("myproject.h", "myproject.cpp"):
        p = fw / f
        p.write_text(p.read_text().replace("input_t x_in[4],", f"{args},"))
    glue = "".join(f"    pre[{i}] = glue_t(s_{i});\n" for i in range(4)) + "".join(
        f"    x_in[{i}] = pre[{i}] >> {s};\n" for i, s in enumerate(GLUE_SHIFTS)
    )
    cpp = fw / "myproject.cpp"
    text = cpp.read_text()
    text = text.replace('#include "parameters.h"\n', '#include "parameters.h"\n\ntypedef ap_fixed<30,21> glue_t;\n')
    text = text.replace(") {\n", ") {\n\n    glue_t pre[4];\n    input_t x_in[4];\n", 1)
    text = text.replace("port=x_in,", "port=s_0,s_1,s_2,s_3,")
    text = text.replace("    #pragma HLS PIPELINE\n", "    #pragma HLS PIPELINE\n\n" + glue, 1)
    assert "int s_3" in text and "x_in[3] = pre[3]" in text
    cpp.write_text(text)
    return prj
