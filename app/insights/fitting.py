"""Forecast fits in worker processes. statsforecast and what it imports (statsmodels, fugue, scipy.stats: about
100 MB) never load into the serving process, and a refresh of many products runs on several cores. A worker
is started per refresh (spawned, not forked: the server has threads) and ends with it."""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import date

import numpy as np
import numpy.typing as npt

from app.insights.forecast import Forecast, Forecaster, kind_of


def _fit_part(
    series: dict[str, npt.NDArray[np.float64]], end: date, horizon: int, chosen: dict[str, str], level: int,
    backtest_days: int,
) -> dict[str, Forecast]:  # fmt: skip
    return Forecaster(level, backtest_days).forecast(series, end, horizon, chosen)


def fit(
    series: Mapping[str, npt.NDArray[np.float64]], end: date, horizon: int, chosen: Mapping[str, str] | None = None,
    *, level: int, backtest_days: int, workers: int,
) -> dict[str, Forecast]:  # fmt: skip
    """``Forecaster.forecast`` split over ``workers`` processes (0: in this process). Unsold products are
    answered here: they need no model."""
    picks = dict(chosen or {})
    here = Forecaster(level, backtest_days)
    unsold = {k: y for k, y in series.items() if kind_of(y) == "none"}
    out = here.forecast(unsold, end, horizon) if unsold else {}
    rest = sorted((k for k in series if k not in unsold), key=lambda k: (kind_of(series[k]), k))
    if not rest:
        return out
    if workers <= 0:
        out.update(here.forecast({k: series[k] for k in rest}, end, horizon, picks))
        return out
    parts = [rest[n::workers] for n in range(min(workers, len(rest)))]  # every part gets both kinds
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(parts), mp_context=context) as pool:
        futures = [
            pool.submit(
                _fit_part,
                {k: series[k] for k in part},
                end,
                horizon,
                {k: picks[k] for k in part if k in picks},
                level,
                backtest_days,
            )
            for part in parts
        ]
        for future in futures:
            out.update(future.result())
    return out
