"""Candle data: Bybit v5 klines through pybit, CSV and raw JSON files, validation.

Public API (other packages depend on these names): ``load``, ``fetch``,
``validate`` / ``ValidationReport``, ``summarize``, ``write_csv``,
``CandleSource`` / ``load_source``, ``data_record`` / ``recorded_source``
(which candles a bundle was made from), ``FileLayout`` (how a CSV was read),
``sample_path`` / ``get_sample`` / ``sample_names`` (the built-in samples;
``load("sample:NAME")`` loads one).
"""

from fpga_prune.data.builtin import Sample, get_sample, sample_names, sample_path
from fpga_prune.data.bybit import FetchError, fetch
from fpga_prune.data.candles import Candles
from fpga_prune.data.files import load, load_csv, load_json, write_csv
from fpga_prune.data.layout import FileLayout
from fpga_prune.data.provenance import data_record, recorded_source
from fpga_prune.data.shared import calibration_dir, shared_csv
from fpga_prune.data.source import CandleSource, load_source
from fpga_prune.data.summary import format_summary, summarize
from fpga_prune.data.timeutil import INTERVALS, format_ts, parse_interval, parse_time
from fpga_prune.data.validate import ValidationReport, validate

__all__ = [
    "CandleSource",
    "Candles",
    "FetchError",
    "FileLayout",
    "INTERVALS",
    "ValidationReport",
    "calibration_dir",
    "data_record",
    "fetch",
    "format_summary",
    "format_ts",
    "load",
    "load_csv",
    "load_json",
    "load_source",
    "parse_interval",
    "parse_time",
    "recorded_source",
    "shared_csv",
    "summarize",
    "validate",
    "write_csv",
    "Sample",
    "get_sample",
    "sample_names",
    "sample_path",
]
