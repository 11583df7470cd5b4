"""The sustainability composite re-computed from the four dimension scores with other dimension weights.

The same formula as `marts.fct_sustainability_scorecard` (docs/metrics.md, "Scoring method", steps 4–5):
composite = Σ W_d × score_d ÷ Σ W_d over the dimensions the vendor has a score for (weights renormalised
over the present dimensions; no composite when those weights sum to 0), and rank = position by composite
within the quarter, 1 = highest, ties sharing a rank. Pure functions (no Streamlit, no SQL).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd

DIMENSIONS: tuple[str, ...] = ("financial", "technical", "market", "social")
DEFAULT_WEIGHTS = MappingProxyType(dict.fromkeys(DIMENSIONS, 0.25))

# composites closer than this count as a tie (the warehouse sums exactly in decimals; floats differ in the last bits)
RANK_DECIMALS = 9


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and not pd.isna(value)


def composite(scores: Mapping[str, float | None], weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> float | None:
    """Weighted mean of the dimension scores present, weights renormalised over them (None: nothing to weigh).

    A dimension missing from `weights` counts 0.25, as in the warehouse's dbt var.
    """
    terms = [
        (float(weights.get(dimension, DEFAULT_WEIGHTS[dimension])), float(scores[dimension]))
        for dimension in DIMENSIONS
        if dimension in scores and _present(scores[dimension])
    ]
    total = sum(weight for weight, _ in terms)
    if total <= 0:
        return None
    return sum(weight * score for weight, score in terms) / total


def rank(composites: pd.Series) -> pd.Series:
    """1 = highest composite; equal composites share a rank (1, 2, 2, 4); no composite, no rank."""
    return composites.astype(float).round(RANK_DECIMALS).rank(method="min", ascending=False).astype("Int64")


def rescore(scorecard: pd.DataFrame, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> pd.DataFrame:
    """The scorecard of one quarter re-scored with `weights`.

    `scorecard` has the four dimension columns (and usually `composite` and `rank` from the warehouse). Adds
    `new_composite`, `new_rank` and `rank_change` (warehouse rank − new rank: positive = moved up).
    """
    result = scorecard.copy()
    result["new_composite"] = [
        composite({dimension: row[dimension] for dimension in DIMENSIONS}, weights)
        for row in scorecard[list(DIMENSIONS)].to_dict("records")
    ]
    result["new_composite"] = result["new_composite"].astype(float)
    result["new_rank"] = rank(result["new_composite"])
    if "rank" in result:
        result["rank_change"] = result["rank"].astype("Int64") - result["new_rank"]
    return result
