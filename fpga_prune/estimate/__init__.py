"""The resource and latency estimator, calibrated on real HLS reports.

Owns ``core`` (``estimate``: DSP, BRAM_18K, URAM, LUT, FF, latency and II per
layer), its kernels ``dense`` (constant-weight Dense) and ``da`` (distributed
arithmetic through da4ml), ``context`` (what the kernels share: options, the
per-call context, counting helpers), ``rules`` (every constant with its
basis), ``tools`` (HLS tool names and the families the rules are keyed by)
and ``bands`` (error bands from real/estimate ratios, a user's calibration).
Invariant: it reads only the IR, never Keras or hls4ml (``lint-imports``);
fitting it to real projects is ``fpga_prune.hls.calibration``.
"""
