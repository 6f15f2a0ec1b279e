"""Candle data: Bybit v5 klines through pybit, CSV and raw JSON files, validation."""
from fpga_prune.data.candles import Candles

__all__ = ["Candles"]
