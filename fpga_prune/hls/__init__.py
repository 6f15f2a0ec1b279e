"""hls4ml and the Vitis HLS project: the only package that speaks hls4ml's dialect.

Owns ``adapter`` (Keras -> hls4ml -> IR; hls4ml's CamelCase config dicts stay
here), ``settings`` (our typed HLS settings), ``project`` and ``cpp`` (reading
any hls4ml project's firmware back into the IR), ``vectors``,
``csim``/``project_csim`` (g++ C simulation), ``vitis`` (runs Vitis where a
user has it) and ``calibration`` (estimates against real csynth reports).
Nothing outside this package imports hls4ml (``lint-imports``).
"""
