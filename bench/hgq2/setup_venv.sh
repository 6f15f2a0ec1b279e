#!/usr/bin/env bash
# The HGQ2 venv for bench/bench_objective.py's `hgq2` baseline (bench/hgq2/train_hgq2.py runs in it).
# Why separate: hgq2 installs its own `qkeras` package and Keras 3, replacing the QKeras and legacy
# Keras that fpga_prune needs, so it must never be installed into fpga_prune's environment.
# Keras 3 runs on JAX here (a ~100 MB CPU wheel instead of a second TensorFlow).
# Versions used for bench/results/objective-hgq2-*.json: Python 3.11.7, hgq2 0.2.0, hls4ml 1.3.0,
# keras 3.15.1, jax/jaxlib 0.10.2, numpy 2.4.6.
set -euo pipefail
VENV="${HGQ2_VENV:-$HOME/.cache/fpga_prune/hgq2-venv}"
PYTHON="${PYTHON:-python3}"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "hgq2==0.2.0" "hls4ml==1.3.0" "keras==3.15.1" "jax[cpu]==0.10.2" "numpy==2.4.6"
KERAS_BACKEND=jax "$VENV/bin/python" -c "import hgq, hls4ml, keras, jax; print('hgq2', hgq.__version__, 'hls4ml', hls4ml.__version__, 'keras', keras.__version__, 'jax', jax.__version__)"
echo "HGQ2 venv ready: $VENV (python bench/bench_objective.py --hgq2-venv $VENV)"
