"""HGQ heterogeneous quantizers (hls4ml's FixedPointQuantizer mask functions): import, model, estimate.

The projects are hls4ml 1.3 projects with mask functions written by hls4ml's own
``generate_mask_fn`` into ``firmware/nnet_utils/nnet_code_gen.h``, where hls4ml puts them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from fpga_prune.arith import emulate, fixed
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import ActivationLayer, DenseLayer, FixedNetwork
from fpga_prune.boards import load_board
from fpga_prune.errors import InputError
from fpga_prune.estimate.core import EstimateOptions, estimate
from fpga_prune.hls.project import read_project
from hls_projects import hgq_mask, hgq_project, verify_model_check

REPO = Path(__file__).resolve().parents[1]


def test_hgq_project_imports_with_a_type_per_element(tmp_path):
    net = read_project(hgq_project(tmp_path)).network
    kinds = [(lay.name, getattr(lay, "activation", "dense")) for lay in net.layers]
    assert kinds[:4] == [
        ("q_in", "quantizer"),
        ("q_dense_3", "dense"),
        ("q_dense_3_relu", "relu"),
        ("q_relu", "quantizer"),
    ]
    q_in = net.layers[0]
    assert [None if t is None else str(t) for t in q_in.element_types] == [
        "ap_fixed<4,2,AP_RND,AP_SAT>",
        "ap_ufixed<3,1,AP_RND,AP_SAT>",
        None,
        "ap_fixed<6,3,AP_RND,AP_SAT>",
        "ap_fixed<2,1,AP_RND,AP_SAT>",
        "ap_ufixed<5,2,AP_RND,AP_SAT>",
    ]
    # stored in ap_fixed<9,4> (5 fractional bits): integer bits + 5, an unsigned one plus a sign bit to multiply
    assert q_in.element_native_widths().tolist() == [7, 6, 0, 8, 6, 7]
    assert q_in.element_widths().tolist() == [7, 7, 0, 8, 6, 8]
    # the IR round-trips through network.json with the element types
    back = FixedNetwork.from_json(net.to_json())
    assert back.to_json() == net.to_json() and back.layers[0].element_types == q_in.element_types


def test_quantizer_emulation_casts_each_element_to_its_type_then_to_the_result():
    t16 = FixedType(True, 16, 6)  # raw = value * 2**10
    lay = ActivationLayer(
        "q",
        "quantizer",
        t16,
        t16,
        3,
        element_types=(FixedType(True, 4, 2, "AP_RND", "AP_SAT"), None, FixedType(False, 3, 1)),
    )
    x = np.array(
        [
            [int(0.8 * 1024), 5000, int(1.9 * 1024)],  # 0.8 -> 0.75 (RND, step .25); 0 ; 1.9 -> 1.75
            [int(-3.0 * 1024), -1, int(-0.5 * 1024)],  # -3.0 -> -2.0 (SAT); 0 ; -0.5 -> 1.5 (wrap, 3 bits)
            [int(1.7 * 1024), 1, int(2.3 * 1024)],
        ]
    )  # 1.7 -> 1.75 (SAT at max 1.75); 0 ; 2.3 -> 0.25
    net = FixedNetwork("n", t16, 3, (lay,))
    got = emulate.predict_raw(net, x) / 1024
    assert got.tolist() == [[0.75, 0.0, 1.75], [-2.0, 0.0, 1.5], [1.75, 0.0, 0.25]]


def test_hgq_widths_narrow_the_next_dense_in_the_estimate(tmp_path):
    net = read_project(hgq_project(tmp_path)).network
    board = load_board("zcu104")
    opts = EstimateOptions(hls_tool="vitis-2024.1")
    with_q = estimate(net, board, opts)
    # the same network without the masks: the Dense reads the 16-bit input directly
    plain = FixedNetwork(
        net.name,
        net.input_type,
        net.n_inputs,
        tuple(
            replace(lay, input_type=net.input_type) if lay.name == "q_dense_3" else lay
            for lay in net.layers
            if getattr(lay, "activation", "") != "quantizer"
        ),
    )
    without = estimate(plain, board, opts)
    d_q = next(le for le in with_q.layers if le.name == "q_dense_3")
    d_p = next(le for le in without.layers if le.name == "q_dense_3")
    dense = next(lay for lay in net.layers if isinstance(lay, DenseLayer))
    nz_row2 = int(np.count_nonzero(dense.weights[2]))
    # the zero-bit input removes its products; 16-bit inputs need DSPs, <= 8-bit ones do not (10-bit weights)
    assert d_q.mults_nonzero == d_p.mults_nonzero - nz_row2 and nz_row2 > 0
    assert d_p.dsp > 0 and d_q.dsp == 0 and d_q.lut < d_p.lut
    # rounding + saturating casts cost LUTs; truncating/wrapping ones are wiring
    q_in, q_relu = with_q.layers[0], next(le for le in with_q.layers if le.name == "q_relu")
    assert q_in.lut > 0 and q_relu.lut == 0 and q_in.dsp == 0


def test_a_mask_that_misses_elements_is_a_one_line_error(tmp_path):
    prj = hgq_project(tmp_path)
    gen = prj / "firmware" / "nnet_utils" / "nnet_code_gen.h"
    gen.write_text(re.sub(r"\n\s*out\[5\] = [^\n]*", "", gen.read_text(), count=1))
    with pytest.raises(InputError) as exc:
        read_project(prj)
    msg = str(exc.value)
    assert str(gen) in msg and "q_in" in msg and "sets 5 of the 6 elements" in msg and "\n" not in msg


@pytest.mark.slow
def test_hgq_project_model_matches_its_c_simulation_bit_for_bit(tmp_path):
    """The real check: hls4ml's firmware compiled by g++ against the bit-accurate model, 3,000 inputs."""
    model = verify_model_check(hgq_project(tmp_path))
    assert model["vectors"] == 3000 and model["mismatches"] == 0 and model["modelled"]
    per_layer = {r["layer"]: r["disagreeing_vectors"] for r in model["layers"] if r["compared"]}
    assert per_layer["q_in"] == 0 and per_layer["q_relu"] == 0 and len(per_layer) == 8
    est = subprocess.run(
        [sys.executable, "-m", "fpga_prune.cli", "estimate", str(tmp_path / "hgq_prj"), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert est.returncode == 0, est.stderr
    layers = {le["name"]: le for le in json.loads(est.stdout)["layers"]}
    assert layers["q_in"]["lut"] > 0 and layers["q_dense_3"]["dsp"] == 0


def unary_lut_project(tmp_path: Path) -> Path:
    """hgq_project with the sigmoid replaced as HGQ builds a table activation: a mask to a 6-bit type,
    then nnet::unary_lut over its 64 raw values (a tanh table), written the way hls4ml writes weights."""
    prj = hgq_project(tmp_path)
    fw = prj / "firmware"
    gen = fw / "nnet_utils" / "nnet_code_gen.h"
    gen.write_text(
        gen.read_text().replace(
            "// hls4ml insert code\n", "// hls4ml insert code\n" + hgq_mask("q_sig", ((1, 6, 3),) * 5, "RND", "SAT")
        )
    )
    defines = fw / "defines.h"
    text = defines.read_text()
    defines.write_text(
        text[: text.rindex("#endif")]
        + "typedef ap_fixed<6,3> q_sig_t;\ntypedef ap_fixed<10,2> lut_table_t;\n\n#endif\n"
    )
    q_sig = FixedType(True, 6, 3)
    x = np.array([(i - 64 if i >= 32 else i) / 2**q_sig.frac for i in range(64)])  # raw index -> value
    table = np.tanh(x)
    (fw / "weights" / "t6.txt").write_text(", ".join(f"{v:.10f}" for v in table))
    (fw / "weights" / "t6.h").write_text(
        "#ifndef T6_H_\n#define T6_H_\n#ifndef __SYNTHESIS__\nlut_table_t t6[64];\n"
        "#else\nlut_table_t t6[64] = {" + ", ".join(f"{v:.10f}" for v in table) + "};\n#endif\n#endif\n"
    )
    params = fw / "parameters.h"
    text = params.read_text().replace('#include "weights/b7.h"', '#include "weights/b7.h"\n#include "weights/t6.h"')
    params.write_text(
        text[: text.rindex("#endif")]
        + (
            "struct unary_lut_config6 : nnet::activ_config {\n    static const unsigned n_in = 5;\n"
            "    static const unsigned table_size = 64;\n    static const unsigned io_type = nnet::io_parallel;\n"
            "    static const unsigned reuse_factor = 1;\n    typedef lut_table_t table_t;\n};\n\n#endif\n"
        )
    )
    top = fw / "myproject.cpp"
    text = top.read_text()
    text = text.replace(
        'nnet::load_weights_from_txt<out_fc_bias_t, 3>(b7, "b7.txt");',
        'nnet::load_weights_from_txt<out_fc_bias_t, 3>(b7, "b7.txt");\n'
        '        nnet::load_weights_from_txt<lut_table_t, 64>(t6, "t6.txt");',
    )
    old = "nnet::sigmoid<fc_b_result_t, layer6_t, sigmoid_config6>(layer4_out, layer6_out); // sig"
    assert old in text
    text = text.replace(
        old,
        "q_sig_t q_sig_out[5];\n    #pragma HLS ARRAY_PARTITION variable=q_sig_out complete dim=0\n"
        "    nnet::q_sig<fc_b_result_t, q_sig_t>(layer4_out, q_sig_out); // q_sig\n"
        "    nnet::unary_lut<q_sig_t, layer6_t, unary_lut_config6>(q_sig_out, layer6_out, t6); // lut",
    )
    top.write_text(text)
    return prj


def test_unary_lut_is_a_table_indexed_by_the_raw_input(tmp_path):
    net = read_project(unary_lut_project(tmp_path)).network
    lut = next(lay for lay in net.layers if lay.name == "lut")
    assert lut.activation == "unary_lut" and lut.table_size == 64 and str(lut.table_types["table"]) == "ap_fixed<10,2>"
    # raw 0b111111 (-1 LSB = -0.125) reads entry 63: tanh(-0.125) in ap_fixed<10,2> (AP_TRN: floor to 1/256)
    assert lut.tables["table"][63] == np.floor(np.tanh(-0.125) * 256)
    x = np.array([[0, 1, -1, 31, -32]])
    out = emulate.predict_raw(FixedNetwork("l", lut.input_type, 5, (lut,)), x)
    want = fixed.cast(lut.tables["table"][x[0] & 63], lut.table_types["table"], lut.result_type)
    assert out[0].tolist() == want.tolist()
    est = estimate(net, load_board("zcu104"), EstimateOptions(hls_tool="vitis-2024.1"))
    le = next(le for le in est.layers if le.name == "lut")
    # 64 x 10 bits <= rom_lut_max_bits: a LUT ROM of ceil(640/64) = 10 LUT6, one per 2 reads (5 elements: 3)
    assert (le.lut, le.bram18k, le.dsp) == (3 * 10, 0, 0)


@pytest.mark.slow
def test_unary_lut_project_model_matches_its_c_simulation(tmp_path):
    model = verify_model_check(unary_lut_project(tmp_path))
    assert model["vectors"] == 3000 and model["mismatches"] == 0 and model["modelled"]
    assert {r["layer"]: r["disagreeing_vectors"] for r in model["layers"]}["lut"] == 0
