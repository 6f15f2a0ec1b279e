"""The arithmetic core: one IR of the fixed-point network and everything that reads only it.

Owns ``ir`` (``FixedNetwork``, the one description every later stage reads),
``fixed`` (ap_fixed types and the one cast), ``emulate`` (the bit-accurate
model), ``tables`` (sigmoid/softmax tables as hls4ml writes them) and
``analysis`` (accumulation order, adder trees, live neurons: analyses that
change nothing).  Invariant: nothing here imports TensorFlow, hls4ml or any
other stage of the pipeline.
"""
