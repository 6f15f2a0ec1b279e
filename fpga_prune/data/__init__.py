"""Candle data: Bybit v5 klines through pybit, CSV and raw JSON files, validation.

Public API (other packages depend on these names): ``load``, ``fetch``,
``validate`` / ``ValidationReport``, ``summarize``, ``write_csv``,
``CandleSource`` / ``load_source``.
"""
from fpga_prune.data.bybit import FetchError, fetch
from fpga_prune.data.candles import Candles
from fpga_prune.data.files import load, load_csv, load_json, write_csv
from fpga_prune.data.shared import calibration_dir, shared_csv
from fpga_prune.data.source import CandleSource, load_source
from fpga_prune.data.summary import format_summary, summarize
from fpga_prune.data.timeutil import INTERVALS, format_ts, parse_interval, parse_time
from fpga_prune.data.validate import ValidationReport, validate

__all__ = [
    "CandleSource", "Candles", "FetchError", "INTERVALS", "ValidationReport", "calibration_dir", "fetch",
    "format_summary", "format_ts", "load", "load_csv", "load_json", "load_source", "parse_interval",
    "parse_time", "shared_csv", "summarize", "validate", "write_csv",
]
