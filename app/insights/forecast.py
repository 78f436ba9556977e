"""Daily demand forecasts with Nixtla statsforecast, a model chosen per series by backtest.

A series is *smooth* when it sells on most days (average interval between sales under 1.32 days, the
Syntetos-Boylan cut) and *intermittent* otherwise. Smooth series choose among AutoETS, Theta and the
seasonal naive baseline (weekly season); intermittent ones among CrostonSBA, ADIDA and TSB. The choice is the
model with the lowest mean absolute error over the last ``backtest_days`` of the series, fitted on the days
before them; the chosen model is then refitted on the whole series.

Intervals: ETS, Theta and seasonal naive give their own; the intermittent models give a rate, and their
interval is the Poisson one around it. A product with no sales forecasts zero with the Jeffreys upper bound on
its rate as the top of its interval (wide enough to say "we don't know", not an error).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

SEASON = 7  # days: weekly seasonality
INTERMITTENT_ADI = 1.32


@dataclass(frozen=True)
class Forecast:
    """One series' forecast: ``mean``/``lo``/``hi`` per day from ``start``, the model that made it."""

    start: date
    model: str
    mean: npt.NDArray[np.float64]
    lo: npt.NDArray[np.float64]
    hi: npt.NDArray[np.float64]

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(len(self.mean))]

    def head(self, days: int) -> Forecast:
        """The first ``days`` of it."""
        return Forecast(self.start, self.model, self.mean[:days], self.lo[:days], self.hi[:days])


def _models(kind: str) -> list[Any]:
    from statsforecast.models import (
        ADIDA,
        TSB,
        AutoETS,
        CrostonSBA,
        DynamicOptimizedTheta,
        SeasonalNaive,
    )

    if kind == "smooth":
        # additive weekly season, error and trend chosen by AICc, no damping: a third of the full AutoETS's time
        return [
            AutoETS(season_length=SEASON, model="ZZA", damped=False),
            DynamicOptimizedTheta(season_length=SEASON),
            SeasonalNaive(season_length=SEASON),
        ]
    return [CrostonSBA(), ADIDA(), TSB(alpha_d=0.2, alpha_p=0.2)]


# the names the models give themselves (``str(model)``), known without importing statsforecast: a choice kept
# from an earlier fit is checked against them in the serving process (tests/insights check they agree)
MODEL_NAMES = {"smooth": ["AutoETS", "DynamicOptimizedTheta", "SeasonalNaive"],
               "intermittent": ["CrostonSBA", "ADIDA", "TSB"]}  # fmt: skip


def kind_of(values: npt.NDArray[np.float64]) -> str:
    sold = int(np.count_nonzero(values))
    if sold == 0:
        return "none"
    return "smooth" if len(values) / sold < INTERMITTENT_ADI else "intermittent"


def _frame(series: Mapping[str, npt.NDArray[np.float64]], end: date) -> Any:
    import pandas as pd

    ids: list[str] = []
    stamps: list[npt.NDArray[np.datetime64]] = []
    values: list[npt.NDArray[np.float64]] = []
    for key, y in series.items():
        ids += [key] * len(y)
        stamps.append(np.arange(np.datetime64(end) - len(y) + 1, np.datetime64(end) + 1))
        values.append(y)
    return pd.DataFrame(
        {"unique_id": ids, "ds": np.concatenate(stamps).astype("datetime64[ns]"), "y": np.concatenate(values)}
    )


class Forecaster:
    """Forecasts many daily series at once; ``level`` is the central interval in percent."""

    def __init__(self, level: int = 80, backtest_days: int = 28) -> None:
        self.level = level
        self.backtest_days = backtest_days

    def forecast(
        self,
        series: Mapping[str, Sequence[float] | npt.NDArray[np.float64]],
        end: date,
        horizon: int,
        chosen: Mapping[str, str] | None = None,
    ) -> dict[str, Forecast]:
        """``series[key]`` holds daily values ending on ``end`` (same length or not); forecasts start the day
        after ``end``. ``chosen`` holds earlier choices of model (``Forecast.model``): a series whose kind
        still admits its model keeps it and skips the backtest, so a refit costs one fit per series."""
        start = end + timedelta(days=1)
        arrays = {key: np.asarray(y, dtype=np.float64) for key, y in series.items()}
        by_kind: dict[str, dict[str, npt.NDArray[np.float64]]] = {"none": {}, "smooth": {}, "intermittent": {}}
        for key, y in arrays.items():
            by_kind[kind_of(y)][key] = y
        out = {key: self._none(y, start, horizon) for key, y in by_kind["none"].items()}
        for kind in ("smooth", "intermittent"):
            group = by_kind[kind]
            if not group:
                continue
            names = MODEL_NAMES[kind]
            picks = {k: m for k, m in (chosen or {}).items() if k in group and m in names}
            picks.update(self._choose(kind, {k: y for k, y in group.items() if k not in picks}, end))
            for index, name in enumerate(names):
                keys = [k for k in group if picks.get(k, names[0]) == name]
                if keys:
                    out.update(self._fit(kind, index, {k: group[k] for k in keys}, end, horizon))
        return out

    def _none(self, y: npt.NDArray[np.float64], start: date, horizon: int) -> Forecast:
        upper = float(special.gammaincinv(0.5, (1 + self.level / 100) / 2)) / max(1, len(y))
        zeros = np.zeros(horizon)
        return Forecast(start, "Zero", zeros, zeros.copy(), np.full(horizon, upper))

    def _fit(
        self, kind: str, index: int, series: dict[str, npt.NDArray[np.float64]], end: date, horizon: int
    ) -> dict[str, Forecast]:
        from statsforecast import StatsForecast

        name = MODEL_NAMES[kind][index]
        engine = StatsForecast(models=[_models(kind)[index]], freq="D", n_jobs=1)
        native = kind == "smooth"
        frame = engine.forecast(h=horizon, df=_frame(series, end), level=[self.level] if native else None)
        start = end + timedelta(days=1)
        out: dict[str, Forecast] = {}
        for key, rows in frame.groupby("unique_id", sort=False):
            mean = np.clip(rows[name].to_numpy(dtype=np.float64), 0.0, None)
            if native:
                lo = np.clip(rows[f"{name}-lo-{self.level}"].to_numpy(dtype=np.float64), 0.0, None)
                hi = np.maximum(rows[f"{name}-hi-{self.level}"].to_numpy(dtype=np.float64), mean)
            else:
                from scipy import stats  # 40 MB of imports: only where models are fitted

                tail = (1 - self.level / 100) / 2
                lo = stats.poisson.ppf(tail, mean).astype(np.float64)
                hi = np.maximum(stats.poisson.ppf(1 - tail, mean).astype(np.float64), mean)
            out[str(key)] = Forecast(start, name, mean, np.minimum(lo, mean), hi)
        return out

    def _choose(self, kind: str, series: dict[str, npt.NDArray[np.float64]], end: date) -> dict[str, str]:
        """Per series, the model with the lowest MAE over the last ``backtest_days`` (fitted before them); a
        series too short to hold a backtest keeps the first model."""
        import pandas as pd
        from statsforecast import StatsForecast

        names = MODEL_NAMES[kind]
        h = self.backtest_days
        long = {key: y for key, y in series.items() if len(y) >= h + 2 * SEASON}
        if not long:
            return {}
        engine = StatsForecast(models=_models(kind), freq="D", n_jobs=1)
        cv = engine.cross_validation(h=h, df=_frame(long, end), n_windows=1)
        errors = {name: (cv[name] - cv["y"]).abs() for name in names}
        table = pd.DataFrame({"unique_id": cv["unique_id"], **errors}).groupby("unique_id", sort=False).mean()
        best = table[names].to_numpy().argmin(axis=1)
        return {str(key): names[int(n)] for key, n in zip(table.index, best, strict=True)}


def seasonal_naive(y: npt.NDArray[np.float64], horizon: int, season: int = SEASON) -> npt.NDArray[np.float64]:
    """The baseline: each day repeats the same weekday of the last observed week."""
    last = y[-season:]
    return np.array([last[n % season] for n in range(horizon)], dtype=np.float64)


def mase(actual: npt.NDArray[np.float64], predicted: npt.NDArray[np.float64], train: npt.NDArray[np.float64]) -> float:
    """Mean absolute error scaled by the in-sample seasonal naive error (Hyndman & Koehler)."""
    scale = float(np.mean(np.abs(train[SEASON:] - train[:-SEASON])))
    return float(np.mean(np.abs(actual - predicted))) / scale if scale > 0 else math.inf


def smape(actual: npt.NDArray[np.float64], predicted: npt.NDArray[np.float64]) -> float:
    denominator = np.abs(actual) + np.abs(predicted)
    terms = np.where(denominator > 0, 2 * np.abs(actual - predicted) / np.where(denominator > 0, denominator, 1), 0.0)
    return float(np.mean(terms))
