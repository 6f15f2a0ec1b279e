"""The candle series every later step consumes.

Why columns of numpy arrays: features and labels are vectorized over 25k+ rows;
a frozen dataclass keeps the series immutable once validated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fpga_prune.data.layout import FileLayout


@dataclass(frozen=True, eq=False)
class Candles:
    """OHLCV candles, ascending by open time, validated.

    ``timestamp_ms`` is the candle's open time in epoch milliseconds (Bybit's
    ``startTime``); ``interval_ms`` the candle length.
    """

    symbol: str
    interval_ms: int
    timestamp_ms: np.ndarray  # int64
    open: np.ndarray  # float64
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    turnover: np.ndarray | None = None
    source: str = ""
    layout: FileLayout | None = None  # how a CSV source was read; None for JSON and downloads

    def __len__(self) -> int:
        return int(self.timestamp_ms.shape[0])

    def slice(self, start: int, stop: int) -> Candles:
        """Rows ``[start, stop)`` as a new series (same metadata)."""
        sl = slice(start, stop)
        return Candles(
            symbol=self.symbol,
            interval_ms=self.interval_ms,
            timestamp_ms=self.timestamp_ms[sl],
            open=self.open[sl],
            high=self.high[sl],
            low=self.low[sl],
            close=self.close[sl],
            volume=self.volume[sl],
            turnover=None if self.turnover is None else self.turnover[sl],
            source=self.source,
            layout=self.layout,
        )
