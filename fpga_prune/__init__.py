"""fpga_prune: from a Keras trading model to a verified FPGA design for a chosen board.

``_keras_env`` is imported first, before anything can import TensorFlow, so
QKeras and hls4ml always see legacy Keras 2 whatever the user imports next.
"""

from fpga_prune import _keras_env  # noqa: F401  (must stay the first import)

__version__ = "0.1.0"
