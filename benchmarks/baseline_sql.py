"""Baseline: the core marts by one hand-written DuckDB SQL script, straight from the landing files.

python -m benchmarks.baseline_sql --landing DIR --out DIR  → Parquet per mart in DIR and a JSON summary on stdout.
Marts: monthly mrr per account×vendor (with movement), revenue movements and NRR/GRR 1m per vendor×segment×month,
cohorts (cohort month × months since: active accounts and mrr), spend market share and HHI per segment×month.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from benchmarks.landing import usage_files


def _list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def usage_sql(landing: Path) -> str:
    parquet, csv = usage_files(landing)
    parts = []
    if parquet:
        parts.append(f"SELECT account_id, vendor_id, usage_date, amount_usd FROM read_parquet({_list(parquet)})")
    if csv:
        parts.append(
            "SELECT account_id, vendor_id, CAST(usage_date AS DATE) AS usage_date,"
            f" CAST(amount_usd AS DECIMAL(18, 6)) AS amount_usd FROM read_csv({_list(csv)}, header = true,"
            " all_varchar = true, union_by_name = true)"
        )
    return " UNION ALL ".join(parts)


MARTS_SQL = """
CREATE TEMP TABLE monthly AS
SELECT account_id, vendor_id, CAST(date_trunc('month', usage_date) AS DATE) AS month,
       CAST(SUM(amount_usd) AS DECIMAL(18, 6)) AS mrr
FROM usage GROUP BY ALL;

CREATE TEMP TABLE account_vendor_months AS
WITH firsts AS (
    SELECT account_id, vendor_id, MIN(month) AS first_month FROM monthly WHERE mrr > 0 GROUP BY ALL
), grid AS (
    SELECT account_id, vendor_id, first_month,
           CAST(unnest(generate_series(first_month, (SELECT MAX(month) FROM monthly), INTERVAL 1 MONTH)) AS DATE)
               AS month
    FROM firsts
), filled AS (
    SELECT g.account_id, g.vendor_id, g.first_month, g.month, COALESCE(m.mrr, 0) AS mrr
    FROM grid g LEFT JOIN monthly m USING (account_id, vendor_id, month)
), lagged AS (
    SELECT *,
           COALESCE(LAG(mrr) OVER (PARTITION BY account_id, vendor_id ORDER BY month), 0) AS previous_mrr
    FROM filled
)
SELECT l.*, COALESCE(a.segment, 'unknown') AS segment,
       CASE WHEN mrr > 0 AND previous_mrr = 0 AND month = first_month THEN 'new'
            WHEN mrr > 0 AND previous_mrr = 0 THEN 'reactivation'
            WHEN previous_mrr > 0 AND mrr > previous_mrr THEN 'expansion'
            WHEN mrr > 0 AND mrr < previous_mrr THEN 'contraction'
            WHEN mrr = 0 AND previous_mrr > 0 THEN 'churn'
            ELSE 'flat' END AS movement
FROM lagged l LEFT JOIN accounts a USING (account_id);

CREATE TEMP TABLE revenue_movements AS
SELECT vendor_id, CASE WHEN GROUPING(segment) = 1 THEN 'all' ELSE segment END AS segment, month,
       SUM(previous_mrr) AS mrr_start,
       COALESCE(SUM(mrr) FILTER (WHERE movement = 'new'), 0) AS new_mrr,
       COALESCE(SUM(mrr) FILTER (WHERE movement = 'reactivation'), 0) AS reactivation_mrr,
       COALESCE(SUM(mrr - previous_mrr) FILTER (WHERE movement = 'expansion'), 0) AS expansion_mrr,
       COALESCE(SUM(previous_mrr - mrr) FILTER (WHERE movement = 'contraction'), 0) AS contraction_mrr,
       COALESCE(SUM(previous_mrr) FILTER (WHERE movement = 'churn'), 0) AS churned_mrr,
       SUM(mrr) AS mrr_end,
       COUNT(*) FILTER (WHERE previous_mrr > 0) AS customers_start,
       COUNT(*) FILTER (WHERE movement = 'new') AS new_customers,
       COUNT(*) FILTER (WHERE movement = 'reactivation') AS reactivated_customers,
       COUNT(*) FILTER (WHERE movement = 'churn') AS churned_customers,
       COUNT(*) FILTER (WHERE mrr > 0) AS customers_end,
       SUM(mrr) FILTER (WHERE previous_mrr > 0) / NULLIF(SUM(previous_mrr), 0) AS nrr_1m,
       SUM(LEAST(mrr, previous_mrr)) FILTER (WHERE previous_mrr > 0) / NULLIF(SUM(previous_mrr), 0) AS grr_1m
FROM account_vendor_months
GROUP BY GROUPING SETS ((vendor_id, segment, month), (vendor_id, month));

CREATE TEMP TABLE cohorts AS
WITH cells AS (
    SELECT vendor_id, CASE WHEN GROUPING(segment) = 1 THEN 'all' ELSE segment END AS segment,
           first_month AS cohort_month, datediff('month', first_month, month) AS months_since,
           COUNT(*) FILTER (WHERE mrr > 0) AS active_customers, SUM(mrr) AS mrr
    FROM account_vendor_months
    GROUP BY GROUPING SETS ((vendor_id, segment, first_month, month), (vendor_id, first_month, month))
)
SELECT *,
       FIRST_VALUE(active_customers) OVER c AS cohort_size,
       active_customers / FIRST_VALUE(active_customers) OVER c AS logo_retention,
       mrr / NULLIF(FIRST_VALUE(mrr) OVER c, 0) AS revenue_retention
FROM cells
WINDOW c AS (PARTITION BY vendor_id, segment, cohort_month ORDER BY months_since);

CREATE TEMP TABLE market_share AS
WITH spend AS (
    SELECT u.month, CASE WHEN GROUPING(a.segment) = 1 THEN 'all' ELSE COALESCE(a.segment, 'unknown') END AS segment,
           u.vendor_id, SUM(u.mrr) AS value
    FROM monthly u LEFT JOIN accounts a USING (account_id)
    GROUP BY GROUPING SETS ((u.month, a.segment, u.vendor_id), (u.month, u.vendor_id))
)
SELECT *, SUM(value) OVER (PARTITION BY month, segment) AS total,
       value / NULLIF(SUM(value) OVER (PARTITION BY month, segment), 0) AS share
FROM spend;

CREATE TEMP TABLE market_concentration AS
SELECT month, segment, COUNT(*) AS n_vendors, SUM(POWER(CAST(share AS DOUBLE) * 100, 2)) AS hhi
FROM market_share GROUP BY ALL;
"""

MARTS = ("account_vendor_months", "revenue_movements", "cohorts", "market_share", "market_concentration")


def run(landing: Path, out: Path, memory_limit: str | None = None) -> dict[str, object]:
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    accounts = str(landing / "customers" / "accounts" / "*.csv")
    con.execute(f"CREATE TEMP VIEW usage AS {usage_sql(landing)}")
    con.execute(
        f"CREATE TEMP TABLE accounts AS SELECT account_id, any_value(segment) AS segment"
        f" FROM read_csv('{accounts}', header = true, all_varchar = true, union_by_name = true) GROUP BY account_id"
    )
    con.execute(MARTS_SQL)
    rows: dict[str, int] = {}
    for mart in MARTS:
        con.execute(f"COPY {mart} TO '{out / mart}.parquet' (FORMAT parquet)")
        rows[mart] = con.execute(f"SELECT COUNT(*) FROM {mart}").fetchone()[0]  # type: ignore[index]
    check = con.execute(
        "SELECT CAST(SUM(mrr_end) AS DOUBLE), SUM(new_customers) FROM revenue_movements WHERE segment = 'all'"
    ).fetchone()
    con.close()
    return {
        "engine": "duckdb-sql",
        "seconds": round(time.perf_counter() - started, 3),
        "rows": rows,
        "check": {"mrr_total": round(float(check[0] or 0), 2), "new_customers": int(check[1] or 0)},  # type: ignore[index]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 20GB (default: DuckDB's)")
    args = parser.parse_args()
    print(json.dumps(run(args.landing, args.out, args.memory_limit)))


if __name__ == "__main__":
    main()
