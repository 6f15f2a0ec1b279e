"""Every calibrated constant of the resource estimator, with its basis (one table, on purpose).

Why a table: a constant without its evidence cannot be re-checked when a tool
changes.  Each ``Rule`` has a default value and, where the HLS tool families
(``fpga_prune.estimate.tools.TOOL_FAMILIES``) behave differently, per-family values.
Folder names cited are the public designs of ``../shared/vitis-calibration``
(weights + real csynth reports); ``bench/bench_estimator.py`` prints the
errors these rules leave on every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One constant: ``value`` for every tool family not listed in ``per_tool``."""

    value: float
    basis: str
    per_tool: tuple[tuple[str, float], ...] = ()

    def for_tool(self, family: str) -> float:
        for fam, v in self.per_tool:
            if fam == family:
                return v
        return self.value


_VITIS22 = "jet_f16_rf1_u250_vitis2022"
_AK_DSP = "ak_{jet_tagging,mnist,har,cardio,arrythmia}_dsp_rf{1,2}_z7007s_vitis2021"
_AK_LUT = "ak_*_lut_rf{1,2}_z7007s_vitis2021"
_VH19 = "jet_f16_rf{1,2}_u250_vhls2019, jet_q6prune_rf1_u250_vhls2019"
#: public Vitis kernel reports the interface rules were read from (not in the calibration set: no hls4ml network)
_ADMM = (
    "bavlyshehata/ADMM_BP@8f59b411 alveo/_x.hw.xilinx_u250_gen3x16_xdma_4_1_202210_1/.../krnl_bp_csynth.rpt "
    "(Vitis HLS 2022.2, xcu250, Vitis kernel flow)"
)
_VADD = (
    "ros-acceleration/acceleration_firmware_ultra96v2@748aaaf5 ROS2publisher.md, the vadd csynth report "
    "(Vitis HLS 2021.2, xczu3eg, Vitis kernel flow)"
)
#: public reports the AXI-Stream wrapper / AXI DMA rules were read from (bench/interface_reports.csv: numbers, paths)
_HP = "Hector-Plata/hls4ml-tutorial@9f451d8 model_3/hls4ml_prj_pynq (Vivado HLS / Vivado 2019.2, xc7z020)"
_AE = "ChiRuiChen/AutoEncoder_hls4ml@6b3812a myproject_axi_csynth.rpt (Vivado HLS 2019.2.1, io_stream)"
_NE = (
    "necst/aca2122-prj-unbalanced-tree@4b88a6f conifer-*/wrapper_*/myproject_axi_csynth.rpt (Vitis HLS 2021.2, xczu3eg)"
)
_DMA32 = "samuelkravitz/RFSOC@e8cf943 design_1_axi_dma_0_0_utilization_synth.rpt (Vivado 2024.1, S2MM only, 32-bit)"
_DMA128 = "pha1aris/EncDecoder@10e53af design_1_axi_dma_0_0_utilization_synth.rpt (Vivado 2024.2, S2MM only, 128-bit)"
#: public hls4ml io_stream projects whose csynth FIFO tables the stream_fifo_* rules are fitted on / checked against
_AL = "Alezander9/ML_FPGAonPixel@17f12c5 (HLS/src/cnn_small, Vitis 2023.1, xcvu13p)"
_PO = "pominiq/DNNonSilicon@9672f92 (Folder_2_HLS4ML_Vivado_HLS/models/hls4ml_prj, Vivado HLS 2020.1)"
_HG = "SpAllen0726/HG-DREAM-Pulse-Detection-Project@8e2c30a (HLS_models/myproject_prj, Vitis 2023.1, xczu49dr)"
_CR = "ChiRuiChen/AutoEncoder_hls4ml@6b3812a (Vivado HLS 2019.2, xc7z020)"

#: Vivado HLS on 7-series: 1 FF per crossing bit (0.1 x this), see ff_crossing_scale_7series
VIVADO_7SERIES_CROSSING = 10.0

RULES: dict[str, Rule] = {
    # ------------------------------------------------------------------ multipliers
    "shift_add_max_csd": Rule(
        2,
        (
            "A constant with <= 2 nonzero CSD digits (+-2^k, 2^k+-2^j) is a shift/shift-add, never a DSP, also under "
            f"'config_op mul -impl dsp'. Basis: every layer of {_VITIS22}, {_VH19} and {_AK_DSP}: the DSP count equals "
            "the distinct products with >= 3 CSD digits; camillaMiao/Hls-and-bambu 16x4 Dense (9 of 64 weights)."
        ),
    ),
    "dsp_share_sign": Rule(
        0,
        (
            "1: products x*c and x*(-c) share one DSP (Vivado HLS negates after the multiplier); 0: they do not. "
            f"Basis: distinct (input, |c|) pairs match {_VH19} layers (467/468, 555/557, 310/310, 110/110 DSP) and "
            f"distinct (input, c) pairs match {_VITIS22} (719, 1097, 614, 122 exactly) and all {_AK_DSP} layers "
            "(e.g. 247, 275, 202, 85)."
        ),
        per_tool=(("vivado", 1),),
    ),
    "lut_mult_max_width": Rule(
        10,
        (
            "Without 'config_op mul -impl', a product whose operands (signed widths) are both <= 10 bits is built in "
            "LUTs. Basis: jet_q6prune_rf1_u250_vhls2019 (7-bit x 6-bit layers: 0 DSP; 16-bit x 6-bit first layer: "
            "18 DSP for 20 distinct pairs); Duarte et al. 2018, JINST 13 P07027, Sec. 5."
        ),
    ),
    "lut_per_adder_bit": Rule(
        1.2,
        (
            "LUTs per bit of a fabric adder/subtractor (carry chain + HLS glue). Basis: camillaMiao/Hls-and-bambu "
            "csynth (16-bit add_ln703 16-23 LUTs); the total LUT of the plain Dense layers of "
            f"{_VITIS22} is then within 5% per layer."
        ),
    ),
    "lut_reuse_mux_per_bit": Rule(
        0.0,
        (
            "LUTs per operand bit per 4 ways of the multiplexer in front of a DSP multiplier shared R > 2 ways "
            "(Latency strategy, reuse factor R): a LUT6 is a 4:1 multiplexer. Basis: Daniel-Alencar/"
            "LHC-anomaly-detector@4db0a596 (Vitis 2023.2, RF 4): each layer's LUT exceeds the unshared estimate by "
            "36-41 per DSP, (16 + 16) operand bits x 1.2. Vivado HLS (jet_q6prune_rf64lat_z7020_vhls2019, RF 64) "
            "shows no such cost, and RF 2 builds never did (jet_f16_rf2_u250_vhls2019, ak_*_rf2)."
        ),
        per_tool=(("vitis", 1.2),),
    ),
    "reuse_mux_cycles": Rule(
        0,
        (
            "Cycles the shared-multiplier multiplexer (lut_reuse_mux_per_bit) adds to a layer. Basis: "
            "Daniel-Alencar/LHC-anomaly-detector (RF 4): 6, 5, 5, 6 cycles where the unshared tree takes 4, 3, 3, 3."
        ),
        per_tool=(("vitis", 2),),
    ),
    "lut_per_dsp_mult": Rule(6, "LUTs of glue per DSP-mapped multiplication (mul_ln1118 rows list 6 LUTs)."),
    "lut_per_pp_bit": Rule(
        1.2,
        (
            "LUTs per partial-product bit of a variable x variable LUT multiplier. Basis: softmax of the "
            f"{_AK_LUT} designs: forcing its n 18x18 products into fabric adds 365-395 LUT each (1.13-1.22/bit); "
            "hls4ml issue #99."
        ),
    ),
    "lut_scale": Rule(
        1.0,
        (
            "Overall LUT factor of the constant-weight Dense datapath per tool (real/predicted layer LUT). Basis: "
            f"{_VITIS22} 0.99; Vivado: {_VH19} 0.70 on UltraScale+ but camillaMiao/Hls-and-bambu 1.02 on 7-series, "
            "0.85 taken; ak_* (Vitis 2021): 0.9 (median of the model totals with the adder trees sized by "
            "dense_cost._tree_adder_bits)."
        ),
        per_tool=(("vivado", 0.85), ("vitis2021", 0.9)),
    ),
    # ------------------------------------------------------------------ registers
    "ff_per_crossing_bit": Rule(
        1.0,
        (
            "Flip-flops per bit of a value crossing a Dense layer's stage boundary (partial sums after the adder "
            "levels that fit before it: ceil(terms / 2**k) per output, product width + k bits, at most accum_t). "
            f"Basis: the per-layer csynth FF of {_VITIS22} (1 cycle: the boundary after 1.5-1.8 levels), "
            "Lrozzy/hls4ml_OpenML@47cf4d85 prune_60 (1.8-3.0), k-diep/CE6370@8b151865 (LUT products: 2.7-5.7), "
            "Thifjj/Iris_hls4ml_pynqZ2@46679371 (7-series, 4-5 cycles: every product registered at every boundary); "
            f"{_VH19} and {_AK_DSP} set the per-tool factor. Where DSP and fabric products mix in one chained "
            "layer (Vitis, UltraScale+), a sum of 2**k fabric products crosses k levels after t_lut_mult_ns "
            "unless one of its leaves is a DSP product (probability 1 - (1 - DSP share)**(2**k)): HGQ layers with "
            "3 DSP products of 235 (Lrozzy/hls4ml_OpenML@47cf4d85 model_3.1_3 h_dense_28) register 38 partial sums "
            "of 10-15 bits, 458 FF, where the DSP delay for all gives 69 (1,050 FF)."
        ),
        per_tool=(("vivado", 0.1), ("vitis2021", 0.75)),
    ),
    "ff_per_multi_dsp_crossing_bit": Rule(
        1.0,
        (
            "Flip-flops per crossing bit (as ff_per_crossing_bit) of a product too wide for one DSP slice: its "
            "partial products meet in fabric and are registered there, where a one-DSP product's pipeline registers "
            "sit inside the slice (ff_per_crossing_bit 0.1 under Vivado HLS). Basis: "
            "fastmachinelearning/ml4quantum-release@3beef314 forward_problem (Vivado HLS 2019.1, xczu3eg -1, 5 ns: "
            "28 x 18-bit products over 2 DSPs, ap_fixed<64,16> accumulators): 10,083 FF for the 12x20 layer's 240 "
            "products in 2 cycles, 42 per product, where 0.1 per bit gives 4."
        ),
    ),
    "ff_crossing_scale_7series": Rule(
        1.0,
        (
            "Factor on ff_per_crossing_bit on 7-series parts. Vitis 2022+ registers about twice the crossing values "
            "there (the DSP48E1 product and its operands are pipelined in fabric at 5 ns): real/estimate 1.7, 2.2, "
            "1.5 on Thifjj/Iris_hls4ml_pynqZ2@46679371, MichalVarsanyi/FPGA-NN-Demo@50e5347b, "
            "Daniel-Alencar/LHC-anomaly-detector@4db0a596 with the UltraScale+ factor. Vitis 2021: its own "
            "ff_per_crossing_bit was fitted on 7-series designs. Vivado HLS: its 0.1 per bit is the UltraScale+ "
            "DSP48E2 absorbing the product register; on 7-series every product is registered in fabric at full "
            "width (1 per bit): camillaMiao/Hls-and-bambu@15f53439 vivadohls/model_single_dense/hls4ml_prj "
            "(Vivado HLS 2019.2, xc7vx690t-3, 5 ns): 1,605 'Register' FF in the 16x4 Dense for 64 products of 26 "
            "bits crossing its one boundary; jet_q6prune_rf64lat_z7020_vhls2019 (xc7z020-1, R 64): real/estimate of "
            "the model's FF 0.85 with this factor (3.6 without)."
        ),
        per_tool=(("vitis", 1.8), ("vivado", VIVADO_7SERIES_CROSSING)),
    ),
    "mul_core_ff": Rule(
        0.0,
        (
            "Flip-flops of one DSP multiplier that Vivado HLS builds as a pipelined core (mul_<a>_<b>_<p>_2_*, "
            "listed under 'Instance' with its registers) on a 7-series part slower than -3. Basis: "
            "camillaMiao/Hls-and-bambu@15f53439 vivadohls/model_single_dense/hls4ml_prj/model_single_dense/hls4ml_prj "
            "(Vivado HLS 2019.2, xc7z020-1, 5 ns): 50 cores of 67 FF each (mul_10ns_16s_26_2_0 ... 8s_16s_24_2_0); "
            "jet_q6prune_rf64lat_z7020_vhls2019: 4 x 67 (mul_6s_16s_21_2_1). The same network on xc7vx690t-3 has "
            "none (its products are 'Expression' DSPs); UltraScale+ Vivado HLS designs (xcu250, xcvu9p, xczu3eg-1, "
            "xcu50) none; Vitis HLS never lists them (its registers: ff_crossing_scale_7series). A -2 7-series part "
            "is taken as -1 (no public Vivado HLS report of one found)."
        ),
        per_tool=(("vivado", 67.0),),
    ),
    "mul_core_cycles": Rule(
        1,
        (
            "Cycles a Vivado HLS multiplier core (mul_core_ff) adds to its Dense layer or softmax: its second "
            "pipeline stage. "
            "Basis: camillaMiao/Hls-and-bambu@15f53439 (as mul_core_ff): the 16x4 Dense takes 5 cycles on xc7z020-1 "
            "where the same layer takes 2 on xc7vx690t-3 (the rules: 3 with it, 2 without)."
        ),
    ),
    "ff_per_relu_bit_stage": Rule(
        2.0,
        (
            "A ReLU that takes a cycle registers about 2 input widths per element. Basis: ak_jet_tagging_dsp_rf1 "
            "(3.33 ns): 2143 FF for 64 elements of 16 bits; a 0-cycle ReLU registers nothing (every other design)."
        ),
    ),
    "ff_softmax_per_elem_stage": Rule(
        16,
        (
            "Softmax flip-flops per element per cycle of its pipeline. Basis: 522 FF / (5 x 5 cycles) in "
            f"{_VITIS22}; 1059 FF / (5 x 16) ak_jet_tagging; 3798 / (16 x 20) ak_arrythmia; 1132 / (5 x 13) "
            "jet_q6prune_rf64lat_z7020_vhls2019."
        ),
    ),
    # ------------------------------------------------------------------ timing
    "t_mult_ns": Rule(
        5.0,
        per_tool=(("vivado", 3.0),),
        basis=(
            "Delay (HLS model, 7-series -2) of a DSP multiply feeding an adder tree. Fitted with t_add_ns on the "
            f"{_AK_DSP} layers: 16x64 -> 6 cycles, 64x32 -> 8, 32x32 -> 7, 3x3 -> 4 at 3.33 ns; 56x64 -> 5, 20x64 -> 4 "
            "at 5 ns."
        ),
    ),
    "t_lut_mult_ns": Rule(2.0, f"Delay of a LUT (shift/add or fabric) product. Fitted on the {_AK_LUT} layers."),
    "t_add_ns": Rule(
        2.7,
        (
            "Delay per adder-tree level (HLS model, 7-series -2). Basis: as t_mult_ns. Vivado HLS models both much "
            "faster (t_mult 3, t_add 1): camillaMiao/Hls-and-bambu 16x4 Dense on xc7vx690t-3 at 5 ns takes 2 cycles."
        ),
        per_tool=(("vivado", 1.0),),
    ),
    "dsp_chain_min_period_ns": Rule(
        10.0,
        (
            "On UltraScale(+) a DSP product is not registered by itself when the clock period is at least this: its "
            "delay chains into the adder tree and a small layer takes 0 cycles. Vitis 2022+: always (0; "
            "dfurle/GNN_FPGA@3ecf5c15 input_network, 2-8-8-8-8 with DSPs, every Dense 0 cycles at 5 ns; k-diep/CE6370 "
            "10x10 layers 0-1; the Topo2A VAE at 25 ns 0). Vivado HLS: a DSP product ends a stage at 5 ns (every "
            "*_vhls2019 Dense >= 1 cycle) but not at 25 ns (Kenny-Jia/ToyVAE@b0230aa0 Vivado_Latency_small_SNL_VAE, "
            "Vivado HLS 2019.2 on xcvu9p: 57-32-16-3 Dense layers (32-bit) with 4692 DSPs, every one 0 cycles); "
            "10 ns, between the two, is a guess. Vitis 2021: only 7-series designs (ak_*), kept as Vivado."
        ),
        per_tool=(("vitis", 0.0),),
    ),
    "speed_ultrascale_plus": Rule(
        0.15,
        (
            "HLS delay model of UltraScale(+) relative to the 7-series constants above. Basis: every Dense of "
            f"{_VITIS22} and jet_f16_rf1_u250_vhls2019 (mult + 6-7 adder levels) is scheduled in ONE 5 ns cycle, "
            "which the 7-series constants would take 5 for (Vitis 2022+ Dense layers: speed_dense_chain_ultrascale)."
        ),
    ),
    "speed_dense_chain_ultrascale": Rule(
        0.3,
        (
            "Delay scale of a Dense layer whose DSP products chain (dsp_chain_min_period_ns) on UltraScale(+): "
            f"keeps {_VITIS22} and Lrozzy/hls4ml_OpenML prune_60 (16x64 with 75% zeros) at 1 cycle per Dense while "
            "dfurle/GNN_FPGA's 8x8 layers (2-3 terms) take 0 at 5 ns."
        ),
    ),
    "relu_rnd_sat_ns": Rule(
        3.5,
        (
            "Delay of a ReLU with a rounding or saturating output type (AP_RND_CONV, AP_SAT). Basis: it takes one "
            "cycle at 3.33 ns (ak_jet_tagging, ak_cardio, ak_arrythmia) and none at 5 ns (ak_har, ak_mnist). A plain "
            "ReLU takes none (all designs)."
        ),
    ),
    "softmax_fixed_cycles": Rule(
        3,
        (
            "Softmax: two table reads (registered ROM outputs) and the output register. Vivado HLS 2019.2 takes one "
            "cycle fewer: the same 16-64-32-32-5 network on xcu250 at 5 ns has a 5-cycle softmax under Vitis HLS "
            "2022.2 (jet_f16_rf1_u250_vitis2022) and 4, 4, 3 under Vivado HLS (jet_f16_rf1/rf2, jet_q6prune_rf1 "
            "_u250_vhls2019); on xc7z020-1 its products are multiplier cores (mul_core_cycles): "
            "jet_q6prune_rf64lat_z7020_vhls2019 13 cycles, 12 with both."
        ),
        per_tool=(("vivado", 2),),
    ),
    "softmax_ns": Rule(
        10.5,
        (
            "Softmax combinational delay (7-series model) before its adder-tree levels. Fitted with "
            "softmax_ns_per_level: ak_cardio n=3 -> 13 cycles, ak_jet_tagging n=5 -> 16, ak_arrythmia n=16 -> 20 "
            "(3.33 ns), ak_har n=6 -> 12, "
            f"ak_mnist n=10 -> 14 (5 ns); {_VITIS22} n=5 -> 5 cycles on UltraScale+."
        ),
    ),
    "softmax_ns_per_level": Rule(9.0, "Softmax delay per exp-sum adder level. Basis: as softmax_ns."),
    "softmax_fabric_saved_cycles": Rule(
        2,
        (
            "Cycles a softmax takes fewer when its n output products (exp x 1/sum) are forced into fabric "
            "('config_op mul -impl fabric'): a LUT product chains into its cast where the DSP product is a "
            "pipelined slice. Basis: the softmax rows of the ak_*_lut_* designs (Vitis 2021.1, xc7z007s-2) take "
            "2-3 cycles fewer than their ak_*_dsp_* twins: arrythmia 18/17 vs 20, breast_cancer 6 vs 8, cardio 10 "
            "vs 13, har 10 vs 12, jet_tagging 13 vs 16, mnist 12 vs 14."
        ),
    ),
    "softmax_latency_fixed_cycles": Rule(
        2,
        (
            "hls4ml's 'latency' softmax: no max search and no subtraction before the exp table, so only the exp "
            "and invert table reads are registered and the exp-sum tree chains between them (its delay as "
            "softmax_ns_per_level, unregistered). Basis: astitwlathe/example-hls4ml@3d789a7f my-hls-test (Vivado "
            "HLS 2019.2.1, xcvu9p, 5 ns): softmax_latency n=5 takes 2 cycles where every 'stable' one of n=5 on "
            "UltraScale+ takes 3-5 (jet_*_u250_*)."
        ),
    ),
    "top_cycles": Rule(
        1,
        (
            "Cycles the top function adds to the sum of its layers besides top_cycles_per_dense (input/output "
            "registers). Fitted with it: Vitis 2022+ on UltraScale+ (n Dense -> n + 1): "
            f"{_VITIS22} 15 - 9 = 6, Lrozzy/hls4ml_OpenML@47cf4d85 model_2.1 prune_60 14 - 8 = 6 and HGQ "
            "model_3.1_1..5 6, 5, 5, 6, 4, k-diep/CE6370@8b151865 model_1 (3 Dense) 10 - 6 = 4, "
            "dfurle/GNN_FPGA@3ecf5c15 4; Vivado HLS: "
            "jet_f16_rf{1,2}_u250_vhls2019 5, 4, jet_q6prune_rf1 6; Vitis 2021 (ak_*, 3n - 1): 2 Dense 5, 4 Dense 11 "
            "(RF 1)."
        ),
        per_tool=(("vitis2021", -1),),
    ),
    "top_cycles_per_dense": Rule(
        1, "Top-function cycles per Dense call on UltraScale(+) (see top_cycles).", per_tool=(("vitis2021", 3),)
    ),
    "top_cycles_per_dense_7series": Rule(
        2,
        (
            "Top-function cycles per Dense call on 7-series parts. Basis (Vitis 2023-2025, -1 speed grade): "
            "MichalVarsanyi/FPGA-NN-Demo@50e5347b (3 Dense) 7, Thifjj/Iris_hls4ml_pynqZ2@46679371 (3) 9, "
            "Daniel-Alencar/LHC-anomaly-detector@4db0a596 (4, RF 4) 6; Vitis 2021 ak_* (as top_cycles); Vivado HLS "
            "jet_q6prune_rf64lat_z7020_vhls2019 (4) 7."
        ),
        per_tool=(("vitis2021", 3), ("vivado", 1)),
    ),
    "top_interval_exponent": Rule(
        0.5,
        (
            "The per-Dense top cycles shrink as II**-this when the pipeline's initiation interval II > 1. Basis: "
            "Vitis 2021 ak_* RF 2 builds add 3, 7 cycles (2, 4 Dense) where their RF 1 twins add 5, 11 (3 x 2**-0.5 "
            "= 2.1 per Dense); Vitis 2022+: Daniel-Alencar/LHC-anomaly-detector (RF 4, 4 Dense) adds 6 where 2 per "
            "Dense gives 9 (0.4: 1 + 4 x 2 x 4**-0.4 = 5.6)."
        ),
        per_tool=(("vivado", 0.0), ("vitis", 0.4)),
    ),
    "top_clock_ref_ns": Rule(
        5.0,
        (
            "The top-function cycles above were measured at 5 ns (3.33 ns: the same); a longer period packs them "
            "into fewer cycles (x min(1, this / period)). Basis: max-cohen54/AD_trigger_training@4364bf71 Topo2A "
            "VAE at 25 ns (Vitis 2024.1, xcvu9p): 0 cycles in all, top included. The top's registers of the layer "
            "outputs (ff_top_per_bit, not of the input) shrink by the same factor: Kenny-Jia/ToyVAE@b0230aa0 "
            "small_SNL_VAE Latency builds at 25 ns (1 cycle) keep 2,851 FF (Vitis 2023.1) and 2,339 (Vivado HLS "
            "2019.2) for a 57 x 32-bit input (1,824 bits) and 3,176 layer-output bits: every bit registered gives "
            "1.37 and 1.66 x, this 0.67 and 0.82 x."
        ),
    ),
    "ff_top_per_bit": Rule(
        0.78,
        (
            "Flip-flops of the top function per bit of the input and of every layer output (each is registered once "
            f"in the top pipeline). Basis: top 'Register' FF of {_VITIS22} 3426 for 4512 bits (0.76), "
            "jet_f16_rf1_u250_vhls2019 3424 (0.76), jet_q6prune_rf1_u250_vhls2019 2618 for 3232 (0.81), "
            "ak_jet_tagging_dsp_rf1 3116 for 3360 (0.93). Charged to the layer whose output it registers."
        ),
    ),
    "resource_pipeline_cycles": Rule(
        2,
        (
            "Cycles added to R by the Resource-strategy pipeline. Basis: layer_qd_* RF 32 -> 34, "
            "layer_tt_output_64x1 RF 32 -> 33, layer_tt_layer3 RF 20 -> 21 (csynth, Vivado HLS 2019.2)."
        ),
    ),
    "resource_r1_cycles": Rule(
        1,
        (
            "Cycles a Resource-strategy Dense with R = 1 (weights as constants, like Latency) adds to the pipeline: "
            "hls4ml's dense_resource loop and its registers. Basis: Kenny-Jia/ToyVAE@b0230aa0 small_SNL_VAE (three "
            "Dense, 25 ns, xcvu9p): 4 cycles as Resource where the Latency twin with the same weights takes 1, "
            "under Vivado HLS 2019.2 and Vitis HLS 2023.1 alike."
        ),
    ),
    "reuse_ii_extra": Rule(
        1,
        (
            "Latency strategy with R > 1: II = min(R, ceil(mul ops / multiplier_limit) + this). The ALLOCATION "
            "pragma limits 'mul' ops (>= 3 CSD digits), not shift/adds. Basis: jet_q6prune_rf64lat_z7020_vhls2019 "
            "(R=64: per-layer II 9, 9, 15, 3; formula 9, 8, 16, 2; the old II=R gave 64) and every RF 2 design (II 2)."
        ),
    ),
    # ------------------------------------------------------------------ activations, memories
    "lut_per_relu_bit": Rule(
        1.75,
        (
            f"Plain ReLU LUTs per output bit. Basis: {_VITIS22} and jet_f16_rf1_u250_vhls2019: 1792 LUT for 64 x 16 "
            "bits, 896 for 32 x 16."
        ),
    ),
    "lut_per_relu_rnd_sat_bit": Rule(
        5.5,
        (
            "ReLU LUTs per output bit when the output type rounds or saturates (AP_RND_CONV, AP_SAT). Basis: "
            "ak_* (8-bit outputs): 4.8-6.9; jet_q6prune_rf1_u250_vhls2019 (6-bit): 10.9."
        ),
        per_tool=(("vivado", 10.9),),
    ),
    "lut_softmax_per_elem": Rule(
        145,
        (
            "Softmax LUTs per element with DSP-mapped exp*inv products. Basis: ak_* 135-154 (n=3..16), "
            f"{_VITIS22} 148, jet_f16_rf1_u250_vhls2019 133."
        ),
    ),
    "softmax_exp_copies": Rule(
        0.5,
        (
            "Copies of the exp table per element read (x n, rounded up). Vivado HLS and Vitis 2022+: ceil(n/2), a "
            "dual-port ROM serves two reads: 4 BRAM for n=5 in every *_vhls2019 design (3 exp + 1 inverse); Vitis "
            f"2022+ memory tables: exp_table 6 BRAM for n=5 ({_VITIS22}, Lrozzy/hls4ml_OpenML@47cf4d85 prune_60: 3 "
            "copies of 1024 x 17-18 bits, 2 blocks each, see bram_parity_bits_ultrascale), 10 for n=10 "
            "(k-diep/CE6370@8b151865), 2 for n=3 (Thifjj/Iris_hls4ml_pynqZ2@46679371, 1024 x 11 on a Zynq-7000). "
            "Vitis 2021: one per element: 3, 5, 6, 10, 16 BRAM for n = 3, 5, 6, 10, 16 (ak_*)."
        ),
        per_tool=(("vitis2021", 1.0),),
    ),
    "softmax_inv_copies": Rule(
        0.0,
        (
            "Copies of the inverse table per element (x n, rounded up); see softmax_exp_copies and "
            "softmax_inv_min_copies. Vitis 2021: none in BRAM (ak_*)."
        ),
    ),
    "softmax_inv_min_copies": Rule(
        1,
        (
            "At least this many inverse tables in BRAM: one read of the sum. Vivado HLS: 4 = ceil(5/2) + 1 BRAM for "
            "n=5 in every *_vhls2019 design; Vitis 2022+: invert_table 2 BRAM (1024 x 18 on UltraScale+) in "
            f"{_VITIS22}, Lrozzy/hls4ml_OpenML prune_60 and k-diep/CE6370, 1 on a Zynq-7000 (Iris_hls4ml_pynqZ2)."
        ),
        per_tool=(("vitis2021", 0),),
    ),
    "bram_parity_bits_ultrascale": Rule(
        1,
        (
            "0: on UltraScale(+) Vitis 2022+ stores ROM data in the 8 data bits of each byte only (1024 x 17 and "
            "1024 x 18 tables take 2 BRAM_18K each: exp_table/invert_table of the Vitis 2022+ designs cited in "
            "softmax_exp_copies), while the same 1024 x 18 table takes one on a Zynq-7000 (Iris_hls4ml_pynqZ2) and "
            "under Vivado HLS on UltraScale+ (*_vhls2019)."
        ),
        per_tool=(("vitis", 0),),
    ),
    "rom_lut_max_bits": Rule(
        1024,
        (
            "A ROM of at most this many bits is built in LUTs, not BRAM. Basis: layer_tt_output_64x1_res_u250_vhls2019 "
            "(32 x 32-bit weight ROM: 0 BRAM); layer_tt_layer3 (20 x 1024 bits: 29 BRAM as predicted)."
        ),
    ),
    "bram_read_ports": Rule(2, "A BRAM ROM has two read ports (UG473/UG573 true dual port)."),
    "table_cycles": Rule(2, "Sigmoid: index arithmetic + one BRAM read (read latency 1) -> 2 cycles."),
    # ------------------------------------------------------------------ Resource strategy
    "lut_res_per_mult_bit": Rule(
        1.16,
        (
            "Resource strategy LUTs per multiplier per operand-bit product (x_bits * w_bits), when R is not a "
            "multiple of n_in. Basis: layer_qd_dense27_128x256 / dense28_256x128 (1024 multipliers, 305-308k LUT). "
            "When it is, every multiplier reads the same input each cycle and only the DSP glue remains: "
            "layer_tt_layer3_20x64_res (RF 20 = n_in: 3.3k LUT for 64 multipliers; the old input-mux model said 8.8k)."
        ),
    ),
    "lut_res_fixed": Rule(
        2600,
        (
            "Resource strategy LUTs per layer independent of its size (control, index counters, output casts). "
            "Basis: layer_tt_output_64x1 (2 multipliers, 3204 LUT), layer_qd_densef_128x5 (10.6k)."
        ),
    ),
    "ff_res_per_product_bit": Rule(
        0.69,
        (
            "Resource strategy flip-flops per multiplier per bit of its operands (signed input + weight widths; "
            "plus ff_res_per_input_bit and n_out x accumulator width): the operand and product registers of a "
            "shared multiplier. Basis: layer_qd_dense27_128x256 and layer_qd_dense28_256x128 (1024 16 x 16-bit "
            "multipliers each): 30,743 and 32,790 FF less the input and accumulator registers leave 22,551 and "
            "22,550, 0.69 per operand bit."
        ),
    ),
    "ff_res_per_lut_product_bit": Rule(
        0.1,
        (
            "ff_res_per_product_bit for a Resource layer whose shared multipliers are LUTs (both operands <= "
            "lut_mult_max_width): a fabric product is not registered like a DSP's operands. Basis: "
            "nicologhielmetti/hls4ml-pynq@527b709a dma_test_pynq_ap_fixed/cpp_nn_v2 (Vivado HLS 2019.2, xc7z020): "
            "its three 7 x 7-bit Resource layers (64x32 and 32x32 at RF 64, 32x5 at RF 32) keep 1,217, 1,004 and "
            "270 FF, 0-0.2 per operand bit after their input and accumulator registers."
        ),
    ),
    "ff_res_per_input_bit": Rule(
        2.0,
        (
            "Resource strategy flip-flops per bit of the layer's input array: the pipelined reuse loop keeps every "
            "input twice (csynth 'Register' rows data_<i>_V_read*_rewind_reg and *_phi_reg, one input width each). "
            "Basis: layer_tt_output_64x1_res_u250_vhls2019: 1,998 register FF, 2 x 64 inputs x 15-16 bits; with "
            "ff_res_per_product_bit it gives 30.8k, 32.9k, 4.6k, 3.1k, 2.1k FF for layer_qd_dense27/dense28/densef "
            "and layer_tt_layer3/output (real 30.7k, 32.8k, 6.6k, 2.7k, 2.0k; the fixed 2,000 per layer it replaces "
            "gave 30.7k, 28.6k, 2.6k, 4.6k, 2.1k) and 1.7k, 1.1k, 0.6k FF for the three LUT-multiplier Resource "
            "layers of nicologhielmetti/hls4ml-pynq@527b709a dma_test_pynq_ap_fixed/cpp_nn_v2 (real 1.2k, 1.0k, "
            "0.3k; the fixed rule: 2.8k, 2.7k, 2.1k)."
        ),
    ),
    # ------------------------------------------------------------------ distributed arithmetic (da_cost)
    "lut_per_da_adder_bit": Rule(
        1.05,
        (
            "LUTs per unit of da4ml's adder-graph cost (hls4ml 'distributed_arithmetic'; per adder the bits where its "
            "shifted operands overlap, one LUT6 per bit on the CARRY4/CARRY8 chain, UG474/UG574). Basis: "
            "calad0i/JEDI-linear@48032802 official_result_reports (20 networks built with da4ml, Vivado post-route "
            "on xcvu13p): LUT / cost median 1.05, range 0.97-1.13. These are post-route figures: a Vitis csynth "
            "report of a DA design reads higher (da4ml's test design, calad0i/da4ml@fa85662a tests/test_data: "
            "csynth 8,851 LUT, post-route 3,837)."
        ),
    ),
    "ff_per_da_level_bit": Rule(
        0.55,
        (
            "Flip-flops per bit of the adder level a clock boundary cuts (the values alive there; da4ml's reg_bits). "
            "Basis: da4ml's test design (calad0i/da4ml@fa85662a tests/test_data, Vivado 2025.1 post-route, 11 "
            "stages): 3,420 FF for 6,224 register bits (0.55; delay-only chains become SRL shift registers); "
            "JEDI-linear's 20 networks: FF / cost 0.48-0.62."
        ),
    ),
    # ------------------------------------------------------------------ Vitis kernel interface (estimate.interface)
    "m_axi_lut_fixed": Rule(
        639,
        (
            "LUTs of a Vitis HLS m_axi adapter (one bundle, one direction, default 16 outstanding x 16-beat "
            f"bursts) besides its width-proportional part. Basis: {_ADMM} instance table: gmem1_m_axi and "
            "gmem2_m_axi (256-bit, read-only / write-only) 4,320 LUT each, gmem0_m_axi (512-bit, read-only) 8,001: "
            "a line through both widths (14.38 LUT a bit + 639). A 32-bit read/write bundle under Vitis HLS "
            f"2021.2 ({_VADD}) reports 580 LUT, below the line: the fit is for Alveo-width ports."
        ),
    ),
    "m_axi_lut_per_bit": Rule(14.38, f"LUTs per data bit of an m_axi adapter. Basis: as m_axi_lut_fixed ({_ADMM})."),
    "m_axi_ff_fixed": Rule(
        379,
        (
            f"FFs of an m_axi adapter besides its width-proportional part. Basis: {_ADMM}: 2,473 FF at 256 bits, "
            f"4,567 at 512 (8.18 FF a bit + 379); the 32-bit bundle of {_VADD} reports 512."
        ),
    ),
    "m_axi_ff_per_bit": Rule(8.18, f"FFs per data bit of an m_axi adapter. Basis: as m_axi_ff_fixed ({_ADMM})."),
    "m_axi_bram": Rule(
        0,
        (
            f"BRAM_18K of an m_axi adapter at 256 and 512 bits: 0 in {_ADMM} (its buffers are LUTRAM/SRL there); "
            f"the 32-bit read/write bundle of {_VADD} reports 4."
        ),
    ),
    "s_axilite_lut": Rule(
        552,
        f"LUTs of a kernel's s_axi_control (ap_ctrl block control and a few argument registers). Basis: {_ADMM} "
        f"control_s_axi (3 pointers, 2 scalars) 552 LUT; {_VADD} (3 pointers, 1 scalar) 490.",
    ),
    "s_axilite_ff": Rule(322, f"FFs of a kernel's s_axi_control. Basis: {_ADMM} control_s_axi 322 FF; {_VADD} 291."),
    "s_axilite_lut_per_word": Rule(
        62,
        (
            "LUTs per 32-bit data word of an s_axi_control (the AXI-Lite top's input and result words). Derived from "
            f"register count, not fitted: {_ADMM} control_s_axi holds 8 argument words (3 64-bit pointers, 2 "
            f"scalars) in 552 LUT, {_VADD} 7 (3 pointers, 1 scalar) in 490: 62 LUT a word. Two reports of different "
            "releases and parts; no public csynth report of an s_axilite array was found (Vitis makes one a "
            "LUTRAM memory, likely cheaper than registers)."
        ),
    ),
    "s_axilite_ff_per_word": Rule(
        31, f"FFs per 32-bit data word of an s_axi_control: {_ADMM} 322 FF with 8 words, {_VADD} 291 with 7."
    ),
    "s_axilite_lut_fixed": Rule(
        56,
        "LUTs of an s_axi_control besides its data words (ap_ctrl, GIE, IER, ISR, the AXI-Lite handshakes): "
        f"{_ADMM}'s 552 LUT less 8 words of s_axilite_lut_per_word.",
    ),
    "s_axilite_ff_fixed": Rule(
        74, f"FFs of an s_axi_control besides its data words: {_ADMM}'s 322 FF less 8 words of s_axilite_ff_per_word."
    ),
    # ------------------------------------------------------------------ AXI-Stream wrapper, DMA (estimate.interface)
    # A wrapper's cost = the top's csynth total minus its network instance's row, read from public hls4ml
    # VivadoAccelerator myproject_axi reports; fitted on _AE, checked on Deepcalo/yolo/Hector/necst
    # (bench/bench_interface.py).  The wrappers' conversions use no DSP (fpext/fptrunc cores *_no_dsp): 0 DSP.
    "wrap_float_in_lut": Rule(
        1019,
        (
            "LUTs of a wrapper's read loop that casts float beats to the network's ap_fixed input (hls4ml "
            f"VivadoAccelerator, one element a beat; loop control included). Basis: {_AE} Loop_1_proc 1,019 LUT "
            "(32-bit input_t). Held out: ChiRuiChen/Deepcalo_Linchi 1,018, crimson1256/hls4ml_modified_yolo_v3_tiny "
            f"1,029; with wrap_float_out_lut the rest of {_HP}'s io_parallel wrapper (2,385 besides its insertion "
            f"rows) and of {_NE}'s (2,030)."
        ),
    ),
    "wrap_float_in_ff": Rule(
        877,
        (
            f"FFs of the float -> ap_fixed read loop. Basis: {_AE} Loop_1_proc 877 FF (held out: Deepcalo 879, yolo "
            f"887). Vitis 2021-2025: 243, {_NE}'s read loop (579 FF) less its 10 x 32-bit in_local registers and "
            "16 FF of loop control (one design, not held out: Vitis pipelines the cast in fewer stages)."
        ),
        per_tool=(("vitis2021", 243), ("vitis", 243)),
    ),
    "wrap_float_out_lut": Rule(
        1079,
        (
            "LUTs of a wrapper's write loop that casts the network's ap_fixed results to float beats. Basis: "
            f"{_AE} Loop_2_proc 1,079 LUT (held out: yolo 1,079, Deepcalo's one-output block 1,024)."
        ),
    ),
    "wrap_float_out_ff": Rule(
        829,
        (
            f"FFs of the ap_fixed -> float write loop. Basis: {_AE} Loop_2_proc 829 FF (held out: yolo 829, "
            f"Deepcalo 805). Vitis 2021-2025: 140, {_NE}'s top registers (155) less its state machine (one design)."
        ),
        per_tool=(("vitis2021", 140), ("vitis", 140)),
    ),
    "wrap_loop_lut": Rule(
        122,
        (
            "LUTs of a wrapper's pipelined bus loop without a float cast (our axi_top: raw ap_fixed lanes): loop "
            f"counter, compare, handshake multiplexers. Basis: {_NE}'s read loop, 2,601 LUT less its named cast "
            "rows (ashr/shl/sub/select of the float -> fixed conversion, 715) and element-insertion rows (1,809): "
            "77 expression + 45 multiplexer LUT. Not validated (no public report of a fixed-lane wrapper)."
        ),
    ),
    "wrap_loop_ff": Rule(
        16,
        f"FFs of a wrapper's bus loop control (state, pipeline enables, counters). Basis: {_NE}'s read loop register "
        "table (ap_CS_fsm, ap_enable_reg_*, ap_loop_exit_*, i, icmp_ln21: 16 FF). Not validated.",
    ),
    "wrap_insert_lut_per_bit": Rule(
        17.1,
        (
            "LUTs per bit of the io_parallel wrapper's input array (n_in x input width) that its pipelined read "
            "loop writes at a variable index (the array is partitioned for the network): Vivado HLS shifts the "
            f"whole array ({_HP}: shl/lshr/and/or/select/xor on 256 bits, 4,386 LUT for 16 x 16 bits). Vitis "
            f"2021-2025: 5.65, a select per element and index ({_NE}: 54 x 32-bit selects and 9 compares, 1,809 LUT "
            "for 10 x 32 bits). Each read from its own report's expression table: in-sample."
        ),
        per_tool=(("vitis2021", 5.65), ("vitis", 5.65)),
    ),
    "wrap_insert_ff_per_bit": Rule(
        3,
        (
            f"FFs per bit of that input array: Vivado HLS keeps it and two pipeline copies ({_HP}: in_local_V, "
            f"shl_ln203_reg, and_ln203_reg, 256 FF each); Vitis the array alone ({_NE}: 10 x 32 in_local_V)."
        ),
        per_tool=(("vitis2021", 1), ("vitis", 1)),
    ),
    "wrap_stage_ff_per_bit": Rule(
        1,
        "FFs per bit of our axi_top's element registers (x[n_in] filled word by word, y[n_out] held while its words "
        "go out) and of its output word: one register a bit (the lanes are constant slices, no insertion logic).",
    ),
    "wrap_word_mux_lut_per_bit": Rule(
        1,
        "LUTs per bus bit for each output word beyond the first (which slice of y a word carries): a 2:1 select "
        f"a bit, as csynth prices a select ({_NE}: each 32-bit select 32 LUT).",
    ),
    "dma_channel_lut_fixed": Rule(
        833,
        (
            "LUTs of one AXI DMA channel (simple mode, burst 16, store-and-forward, AXI-Lite registers included) "
            f"besides its width-proportional part. Basis: {_DMA32} 991 LUT, {_DMA128} 1,466: 4.95 a bit + 833. "
            "A MM2S + S2MM DMA is priced as two such channels, so the shared AXI-Lite block is counted twice: "
            f"held out, {_HP} design_1_axi_dma_0_0 (both channels, 32-bit, burst 256) 1,725 LUT, this rule 1,982. "
            "Vivado post-synthesis figures (the IP has no csynth report); PG021's resource tables are web-only."
        ),
    ),
    "dma_channel_lut_per_bit": Rule(4.95, "LUTs per data bit of an AXI DMA channel. Basis: as dma_channel_lut_fixed."),
    "dma_channel_ff_fixed": Rule(
        1037,
        (
            f"FFs of one AXI DMA channel besides its width-proportional part. Basis: {_DMA32} 1,339 FF, {_DMA128} "
            f"2,246: 9.45 a bit + 1,037. Held out, {_HP}'s two-channel 32-bit DMA: 2,271 FF, this rule 2,678."
        ),
    ),
    "dma_channel_ff_per_bit": Rule(9.45, "FFs per data bit of an AXI DMA channel. Basis: as dma_channel_ff_fixed."),
    "dma_channel_bram18_fixed": Rule(
        1,
        (
            f"BRAM_18K of one AXI DMA channel (burst 16) besides the width part. Basis: {_DMA32} 1 RAMB36 (2 "
            f"BRAM_18K), {_DMA128} 2 RAMB36 + 1 RAMB18 (5): 1 + width/32. {_HP}'s DMA (burst 256) has 10: longer "
            "bursts take deeper buffers; our block design sets burst 16."
        ),
    ),
    "dma_channel_bram18_per_bit": Rule(
        1 / 32, "BRAM_18K per data bit of an AXI DMA channel (burst 16). Basis: as dma_channel_bram18_fixed."
    ),
    "bd_interconnect_lut": Rule(
        1584,
        (
            "LUTs of the AXI interconnects Vivado's block automation adds around the DMA (GP -> AXI-Lite, DMA -> HP: "
            f"protocol converters, width converters, crossbar) and the PS reset. Basis: {_HP} design_1_auto_pc_0/1 "
            "428 + 393, auto_us_0/1 209 + 244, xbar_0 291, rst_ps7_0 19 LUT (Vivado synthesis of hls4ml's "
            "VivadoAccelerator pynq-z2 design, the block automation ours uses). One design, Zynq-7000: a ZynqMP "
            "block design's interconnect is not separately validated."
        ),
    ),
    "bd_interconnect_ff": Rule(
        1974, f"FFs of those interconnects and the PS reset. Basis: {_HP}: 564 + 430 + 322 + 265 + 353 + 40 FF."
    ),
    # ------------------------------------------------------------------ user calibration (fpga-prune calibrate)
    "cal_lut": Rule(1.0, "Factor on every LUT estimate fitted to the user's reports (1: the shipped rules)."),
    "cal_ff": Rule(1.0, "Factor on every FF estimate fitted to the user's reports (1: the shipped rules)."),
    "cal_latency": Rule(0.0, "Cycles added to the total latency, fitted to the user's reports (0: shipped rules)."),
    # ------------------------------------------------------------------ io_stream (DATAFLOW, FIFOs between layers)
    "stream_fifo_depth": Rule(
        1,
        (
            "Words of each FIFO between two layers of an io_stream Dense/activation chain when the project does not "
            "say (its '#pragma HLS STREAM variable=layerN_out depth=D' lines are read into "
            "EstimateOptions.fifo_depths): hls4ml 0.x-1.3 write depth=1 (the FIFO depth optimizer is opt-in)."
        ),
    ),
    "stream_fifo_min_depth": Rule(
        1,
        (
            f"Depth the HLS tool builds a FIFO of pragma depth 1 with: 1 in the csynth FIFO tables of {_AL} "
            f"(6 FIFOs 'Depth 1') and {_PO} (202 FIFOs 'Depth 1', fifo_w16_d1_A). (A 2-deep fifo_w16_d2_S seen in "
            "public .autopilot/db bindings is an io_parallel DATAFLOW channel at Vitis' default depth 2, not a "
            "STREAM pragma.)"
        ),
    ),
    "stream_fifo_srl_max_depth": Rule(
        32,
        (
            "A FIFO up to this deep is a shift register (IMPL srl, one SRLC32E of 32 entries per bit, UG474), "
            "deeper ones block RAM. Public csynth FIFO tables bracket it: depth 1-48 0 BRAM, 64-1156 BRAM "
            f"({_AL} cnn_large, {_CR}, {_PO}); Vivado HLS 2019.2 {_CR}: depth 16 0 BRAM, 64 2 BRAM."
        ),
    ),
    "stream_fifo_pow2_width": Rule(
        1,
        (
            "1: csynth prices a shift-register FIFO at its width rounded up to a power of two (P) -- Vitis 2023.1, "
            f"{_AL}: depth-1 FIFOs of 180/192 bits 516 FF, 360/384 bits 1028 FF, 6/6 = 2 P + 4; its cnn_large "
            "design: 16 bits 36, 130/208 bits 516 (1264 bits 2058, not 4100: the one miss). 0: the data bits "
            f"themselves (Vivado HLS, whose csynth counts the data in SRLs as LUTs: {_PO} depth 1 x 16 bits 5 FF)."
        ),
        per_tool=(("vivado", 0),),
    ),
    "stream_fifo_ff_words": Rule(
        2,
        (
            "Registered words of a shift-register FIFO in csynth's FF count (x P bits, stream_fifo_pow2_width) at "
            f"depth 1-2, one more when deeper: Vitis 2023.1 {_AL}: depth 1 -> 2 P + 4 (8/9 FIFOs of both designs), "
            "Kenny-Jia/ToyVAE@b0230aa0 Vitis_Resource_small_SNL_VAE: depth 2 -> 68 FF for 31/32 bits (96 DATAFLOW "
            "channels, 2 P + 2 x 1 address bit + 2), "
            "depth 6-48 -> 3 P + 13..22 (cnn_large, 5 FIFOs: 781, 787, 787, 404, 406 FF; this rule 3 P + 2 x "
            "address bits + 2: 776, 780, 780, 396, 398). Vivado HLS: 0 (the data is in SRLs)."
        ),
        per_tool=(("vivado", 0),),
    ),
    "stream_fifo_ff_per_addr_bit": Rule(
        2,
        "Flip-flops of a shift-register FIFO per bit of its read pointer (fitted with stream_fifo_ff_words and "
        f"stream_fifo_ff_control, same basis); Vivado HLS 1 ({_PO}: depth 1 -> 5 FF, depth 9 -> 6; this rule 5, 8).",
        per_tool=(("vivado", 1),),
    ),
    "stream_fifo_ff_control": Rule(
        2,
        "Flip-flops of a shift-register FIFO besides its words and pointer: empty_n/full_n (same basis as "
        "stream_fifo_ff_words; Vivado HLS 4, same basis as stream_fifo_ff_per_addr_bit).",
        per_tool=(("vivado", 4),),
    ),
    "stream_fifo_lut_control": Rule(
        8,
        (
            "LUTs of a shift-register FIFO besides one per data bit (P bits, stream_fifo_pow2_width) per 32 "
            f"entries: Vitis 2023.1 {_AL} cnn_small reports 2,349 FIFO LUTs for 6 depth-1 FIFOs whose P sum to "
            f"2,304 (the per-FIFO column is 0): 7.5 each. Vivado HLS: 6, structural (pointer and flags); {_PO}'s "
            "total (25,368 LUTs for 330 SRL and 256 block-RAM FIFOs) does not separate the two."
        ),
        per_tool=(("vivado", 6),),
    ),
    "stream_fifo_bram_ff_base": Rule(
        111,
        (
            "Flip-flops of a block-RAM FIFO besides stream_fifo_bram_ff_per_addr_bit per address bit and "
            f"stream_fifo_bram_ff_per_data_bit per data bit. Vitis 2023.1, {_HG}: 14 FIFOs of depth 40-82 and 16-1408 "
            f"bits, 153 FF at 6 address bits, 160 at 7 whatever the width: 111 + 7/bit, exact. Held out, {_AL} "
            "cnn_large: depth 150 x 16 -> 60 FF (rule 167), 104 x 80/128 -> 281 (rule 160): not predicted. "
            f"Vivado HLS, {_PO}: 16-bit FIFOs of depth 169/225/900 -> 41/43/50 FF = bits + 3/address bit + 3 "
            f"(43, 43, 49); held out, {_CR}: 32-bit depth 64 -> 54, 256 -> 60 (rule 53, 59)."
        ),
        per_tool=(("vivado", 3),),
    ),
    "stream_fifo_bram_ff_per_addr_bit": Rule(
        7,
        "Flip-flops of a block-RAM FIFO per address bit (addresses, fill count); same basis as "
        "stream_fifo_bram_ff_base (Vivado HLS 3).",
        per_tool=(("vivado", 3),),
    ),
    "stream_fifo_bram_ff_per_data_bit": Rule(
        0,
        "Flip-flops of a block-RAM FIFO per data bit (an output register): Vitis 0 (width-independent in "
        f"{_HG}), Vivado HLS 1; same basis as stream_fifo_bram_ff_base.",
        per_tool=(("vivado", 1),),
    ),
    "stream_fifo_bram_lut": Rule(
        52,
        (
            f"LUTs of a block-RAM FIFO (address counters, full/empty compare): {_HG}'s csynth reports 727 FIFO LUTs "
            "for its 14 block-RAM FIFOs (the per-FIFO column is 0; this is the mean). Vivado HLS 2019.2: 74, plus "
            "stream_fifo_bram_lut_per_block for each block beyond the first two; fitted on the FIFO totals of "
            f"{_CR} (its network's 118 block-RAM FIFOs and its AXI-Stream wrapper's 2: 9,183 LUT less the rules' "
            "shift-register FIFOs, 120 FIFOs, 18 blocks beyond two) and ChiRuiChen/Deepcalo_Linchi@94cda0e's wrapper "
            "(one FIFO of 8 blocks, 188 LUT); held out, crimson1256/hls4ml_modified_yolo_v3_tiny@611fc15's wrapper "
            "(FIFOs of 128 and 4 blocks): 2,542 LUT, rules 2,588."
        ),
        per_tool=(("vivado", 74),),
    ),
    "stream_fifo_bram_lut_per_block": Rule(
        0,
        "LUTs per BRAM_18K block of a block-RAM FIFO beyond its first two (reading a deep FIFO's cascaded blocks): "
        "Vivado HLS 19, same basis as stream_fifo_bram_lut; Vitis: not observed (0).",
        per_tool=(("vivado", 19),),
    ),
    "stream_fifo_bram_pow2_depth": Rule(
        0,
        (
            "1: a block-RAM FIFO's depth is rounded up to a power of two before it is mapped to BRAM_18K blocks. "
            "Vivado HLS 2019.2 does (its AXI-Stream wrappers' FIFOs: ChiRuiChen/Deepcalo_Linchi@94cda0e 2464 x 32 "
            "-> 8 BRAM_18K = 4096 deep, crimson1256/hls4ml_modified_yolo_v3_tiny@611fc15 49152 x 32 -> 128 and "
            f"1152 x 32 -> 4; {_CR}'s 1024-deep ones are powers of two already). Vitis: not observed (0)."
        ),
        per_tool=(("vivado", 1),),
    ),
    "stream_fifo_bram_width": Rule(
        18,
        (
            "Widest BRAM_18K aspect a block-RAM FIFO uses (1024 x 18; not 512 x 36): BRAM_18K = ceil(bits / 18) "
            f"x ceil(depth / 1024). {_HG}: 14/14 exact (384 bits -> 22, 1408 -> 79; 512 x 36 would give 11, 40); "
            f"held out, {_CR}: 25/25 exact (32-bit -> 2); {_PO}: 256/256 (16-bit -> 1); but {_AL} cnn_large: "
            "104 x 80 and 104 x 128 take 4 each (this rule 5, 8)."
        ),
    ),
    "stream_cycles_per_layer": Rule(
        1,
        (
            "Cycles each DATAFLOW process of an io_stream top adds to its layer's latency: reading its input word "
            "from the FIFO the previous process wrote (nnet_dense_stream.h data_prepare, nnet_activation_stream.h "
            "data.read()). Replaces io_parallel's top_cycles. Structural for Vitis (no io_stream report yet); "
            "Vivado HLS 2020.1: 0, pominiq/DNNonSilicon@9672f92 csynth: the Dense process "
            "dense_array_..._config13_s has latency 16, the dense_wrapper it calls 16; the relu process 0."
        ),
        per_tool=(("vivado", 0),),
    ),
    "stream_clone_latency": Rule(
        0,
        (
            "Cycles of an nnet::clone_stream process (hls4ml's copy of a layer's output to each of its readers in "
            "an io_stream graph) besides stream_cycles_per_layer: its loop (hls4ml 1.3 nnet_stream.h CloneLoop, "
            "PIPELINE, N / data_T::size = 1 iteration for a whole-array pack) reads one word and writes it to "
            "each copy in the same iteration. Structural: no public csynth report of an io_stream graph with a "
            "clone process was found (searched: ChiRuiChen, pominiq, Alezander9 and SpAllen0726 designs are chains)."
        ),
    ),
    "stream_clone_lut": Rule(
        0,
        (
            "LUTs of an nnet::clone_stream process: none for the data (each copy is the read word's wires, "
            "nnet_stream.h ClonePack); its start/done handshake is not priced, as no other process' is. "
            "Structural, same basis as stream_clone_latency."
        ),
    ),
    "stream_clone_ff": Rule(
        0,
        "Flip-flops of an nnet::clone_stream process: none (the copied word is not registered inside it; the FIFOs "
        "it writes hold it, priced by stream_fifo_*). Structural, same basis as stream_clone_latency.",
    ),
    "stream_interval_extra": Rule(
        1,
        (
            "io_stream interval = the slowest DATAFLOW process' latency + this: a Dense/activation process is a "
            "function whose body is not pipelined across calls (the PIPELINE pragma sits on dense_latency_wrapper "
            "and on a one-iteration loop), so the next word enters it only after the previous one left "
            "(UG1399 'dataflow': the interval is the slowest process'). Structural for Vitis; Vivado HLS 2020.1: "
            "0, pominiq/DNNonSilicon@9672f92 csynth: Dense processes latency 16, interval 16 (type none)."
        ),
        per_tool=(("vivado", 0),),
    ),
    # ------------------------------------------------------------------ io_parallel under DATAFLOW (hls4ml 0.x)
    "dataflow_channel_depth": Rule(
        2,
        (
            "An io_parallel top with '#pragma HLS DATAFLOW' (hls4ml 0.x with the Resource strategy; VivadoAccelerator "
            "Pynq projects) makes every element of every array between two layers a FIFO of this depth, priced as an "
            "io_stream FIFO (stream_fifo_*), and holds no top pipeline registers (ff_top_per_bit). Basis: the "
            "'FIFO' tables of nicologhielmetti/hls4ml-pynq@527b709a dma_test_pynq_ap_fixed/cpp_nn_v2 (Vivado HLS "
            "2019.2, xc7z020-1): 262 FIFOs of depth 2, 5 FF each, 6,296 LUT in all (12 + 1 per bit), top 'Register' "
            "261 FF; Kenny-Jia/ToyVAE@b0230aa0 Vivado_Resource_small_SNL_VAE (Vivado HLS 2019.2): 96 of depth 2, "
            "5 FF each, 4,176 LUT; Vitis_Resource_small_SNL_VAE (Vitis HLS 2023.1): 96 of depth 2, 68 FF each."
        ),
    ),
    "dataflow_channel_lut": Rule(
        13,
        (
            "LUTs of the DATAFLOW top's handshake per FIFO of dataflow_channel_depth (its 'Multiplexer' and "
            "'Expression' rows: full/empty and start/done logic). Basis: nicologhielmetti/hls4ml-pynq@527b709a "
            "cpp_nn_v2: 2,349 + 1,074 LUT for 262 FIFOs (9.0 + 4.1); Kenny-Jia/ToyVAE@b0230aa0 "
            "Vivado_Resource_small_SNL_VAE and Vitis_Resource_small_SNL_VAE: 864 + 402 for 96 (9.0 + 4.2)."
        ),
    ),
}
