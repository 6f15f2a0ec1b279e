"""The resource and latency estimator, calibrated on real HLS reports.

Owns ``core`` (``estimate``: DSP, BRAM_18K, URAM, LUT, FF, latency and II per
layer), its kernels ``dense`` (constant-weight Dense) and ``da`` (distributed
arithmetic through da4ml), ``rules`` (every constant with its basis),
``bands`` (error bands from real/estimate ratios) and ``calibration`` (a
user's own fit).  Invariant: it reads only the IR, never Keras or hls4ml.
"""
