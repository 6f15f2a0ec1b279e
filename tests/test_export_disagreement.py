"""``verify.foreign.export_disagreement``: an export that was not synthesized from the project's firmware.

Three of 21 public hls4ml projects checked with ``verify --rtl`` carry an export older than their firmware (another
network: a softmax module of a struct the firmware calls a relu; another input argument; other weights); the
first two tell on themselves by name, which the RTL check's failure then says.
"""

from __future__ import annotations

from pathlib import Path

from fpga_prune.hls.project import top_signature
from fpga_prune.verify.foreign import export_disagreement

TOP_CPP = """void myproject(input_t input_1[N_INPUT_1_1], result_t layer4_out[N_LAYER_4]) {
    nnet::dense<input_t, layer2_t, config2>(input_1, layer2_out, w2, b2);
    nnet::relu<layer2_t, layer3_t, relu_config3>(layer2_out, layer3_out);
    nnet::dense<layer3_t, result_t, config4>(layer3_out, layer4_out, w4, b4);
}
"""


def _project(root: Path, input_port: str) -> tuple[Path, Path]:
    fw, rtl = root / "firmware", root / "rtl"
    fw.mkdir(parents=True)
    rtl.mkdir()
    (fw / "defines.h").write_text(
        "#define N_INPUT_1_1 4\n#define N_LAYER_4 2\n"
        "typedef ap_fixed<16,6> input_t;\ntypedef ap_fixed<16,6> result_t;\n"
    )
    (fw / "myproject.h").write_text(
        '#include "defines.h"\nvoid myproject(input_t input_1[N_INPUT_1_1], result_t layer4_out[N_LAYER_4]);\n'
    )
    (fw / "myproject.cpp").write_text(TOP_CPP)
    outs = ", ".join(f"output [15:0] layer4_out_{i}_V, output layer4_out_{i}_V_ap_vld" for i in range(2))
    (rtl / "myproject.v").write_text(
        f"module myproject(input ap_clk, input ap_rst, input ap_start, output ap_done, input [63:0] {input_port}, "
        f"input {input_port}_ap_vld, {outs});\nendmodule\n"
    )
    for name in (
        "dense_latency_ap_fixed_ap_fixed_16_6_5_3_0_config2_s",
        "relu_ap_fixed_ap_fixed_relu_config3_s",
        "dense_latency_ap_ufixed_ap_fixed_16_6_5_3_0_config4_s",
    ):
        (rtl / f"{name}.v").write_text(f"module {name}(); endmodule\n")
    return root, rtl


def test_an_export_of_this_firmware_says_nothing(tmp_path):
    prj, rtl = _project(tmp_path, "input_1_V")
    assert export_disagreement(rtl, "myproject", top_signature(prj)) is None


def test_a_module_of_a_struct_the_firmware_does_not_call_is_named(tmp_path):
    prj, rtl = _project(tmp_path, "input_1_V")
    (rtl / "relu_ap_fixed_ap_fixed_relu_config3_s.v").unlink()
    (rtl / "softmax_stable_ap_fixed_ap_fixed_softmax_config3_s.v").write_text("module m(); endmodule\n")
    why = export_disagreement(rtl, "myproject", top_signature(prj))
    assert why is not None and "modules of config3" in why and "(config2, config4, relu_config3)" in why
    assert why.endswith("the RTL was not exported from this firmware")


def test_an_input_port_not_named_after_the_top_argument_is_named(tmp_path):
    prj, rtl = _project(tmp_path, "input0_V")
    why = export_disagreement(rtl, "myproject", top_signature(prj))
    assert why is not None and "no port named after the firmware's input input_1" in why
    assert export_disagreement(rtl, "myproject", top_signature(prj), by_ports=False) is None
