"""hls4ml and the Vitis HLS project: the only package that speaks hls4ml's dialect.

Owns ``adapter`` (Keras -> hls4ml -> IR; hls4ml's CamelCase config dicts stay
here), ``settings`` (our typed HLS settings), ``project`` and ``cpp`` (reading
any hls4ml project's firmware back into the IR), ``generate`` (the project
with our templates), ``vectors``, ``csim``/``project_csim`` (g++ C
simulation), ``tools`` (HLS tool families) and ``vitis`` (runs Vitis where a
user has it).
"""
