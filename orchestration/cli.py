"""The `modelmarket` command line. Every user error is one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from ingest.settings import ConfigError, Settings


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- demo-data ---------------------------------------------------------------------------------
def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.demo import parse_scale, write_demo_landing

    try:
        parse_scale(args.scale)
    except ValueError as err:
        raise UserError(str(err)) from None
    landing = settings.landing_dir
    if landing.exists() and any(p.is_file() for p in landing.rglob("*")) and not args.force:
        raise UserError(f"the landing zone {landing} is not empty; use --force to write the demo files anyway")
    summary = write_demo_landing(landing, scale=args.scale, seed=args.seed, end_month=args.end_month, progress=_say)
    rows = ", ".join(f"{k} {v:,}" for k, v in summary.rows.items())
    days = f"{summary.first_day}..{summary.last_day}"
    print(f"wrote {len(summary.files)} synthetic files to {landing} ({rows}); usage {days}")
    return 0


# --- refresh / rollback ------------------------------------------------------------------------
EXIT_FAILED = 1  # nothing was published: the published warehouse is unchanged
EXIT_PUBLISHED_WITH_WARNINGS = 3  # published, but a step that publish does not depend on failed


def cmd_refresh(args: argparse.Namespace, settings: Settings) -> int:
    from orchestration.refresh import run_refresh
    from orchestration.warehouse import RefreshBusy

    try:
        outcome = run_refresh(
            settings, progress=(lambda _m: None) if args.quiet else _say, quiet=args.quiet, full=args.full
        )
    except RefreshBusy as err:
        raise UserError(str(err)) from None
    except OSError as err:  # before the run could start or be recorded (the lock file itself, a full disk)
        _say(f"modelmarket: refresh failed before it started: {err}")
        return EXIT_FAILED
    if not outcome.published:
        first, *more = outcome.failed_steps or ["the refresh failed"]
        _say(
            f"refresh FAILED after {outcome.seconds:.1f} s: {first} — the published warehouse is unchanged; "
            f"full output: {settings.refresh_output_path}"
        )
        for line in more:
            _say(f"  {line}")
        return EXIT_FAILED
    print(f"refresh done in {outcome.seconds:.1f} s: {outcome.message}")
    if outcome.timings is not None:
        print(f"  time per stage: {outcome.timings.summary()}")
    for dataset in outcome.undelivered:
        print(f"  note: {dataset} has no files yet; the marts that need it are empty")
    return 0 if outcome.success else EXIT_PUBLISHED_WITH_WARNINGS


def cmd_rollback(args: argparse.Namespace, settings: Settings) -> int:
    from orchestration.warehouse import NothingToRollBack, RefreshBusy, rollback

    try:
        path = rollback(settings)
    except (NothingToRollBack, RefreshBusy) as err:
        raise UserError(str(err)) from None
    except OSError as err:
        _say(f"modelmarket: rollback failed: {err}")
        return EXIT_FAILED
    print(f"restored the previous warehouse: {path}")
    return 0


# --- status ------------------------------------------------------------------------------------
def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.freshness import FRESHNESS_LIMIT
    from orchestration.status import collect_status

    status = collect_status(settings)
    # A published file that exists but cannot be read is unhealthy: said on stderr, and exit code 1.
    unhealthy = 1 if status.published_problem else 0
    if status.published_message:
        _say(f"modelmarket: {status.published_message}")
    if args.json:
        print(json.dumps(asdict(status), indent=2, default=str))
        return unhealthy
    print(f"home: {settings.home}")
    if status.published_problem:
        print(f"published warehouse: {settings.published_path} is {status.published_problem.upper()}")
    elif status.published:
        print(f"published warehouse: {settings.published_path} (written {status.published_at})")
    else:
        print("published warehouse: none yet (run `modelmarket refresh`)")
    if status.last_run:
        run = status.last_run
        print(
            f"last refresh: {run['status']} at {run['finished_at']} in {run['duration_s']} s"
            + (f" — {run['message']}" if run.get("status") != "published" else "")
        )
    if status.mart_rows:
        print("rows per mart:")
        for name, count in status.mart_rows.items():
            print(f"  {name:<36} {count:>12,}")
    print("datasets (current files, rows, last loaded UTC):")
    for item in status.freshness:
        print(
            f"  {item['dataset']:<24} {item['current_files']:>5} files {item['rows']:>12,} rows  "
            f"{item['last_loaded_at'] or 'never delivered'}"
        )
    if status.usage_newest_date:
        limit_hours = FRESHNESS_LIMIT.total_seconds() / 3600
        mark = "fresh" if status.usage_fresh else f"STALE (older than {limit_hours:.0f} h)"
        print(f"usage freshness: newest day {status.usage_newest_date}, {status.usage_age_hours} h old — {mark}")
    if status.checks_run_id:
        print(
            f"quality checks of the last run: {len(status.checks_failed)} failed or warned"
            + (f"; data docs: {status.data_docs}" if status.data_docs else "")
        )
        for check in status.checks_failed[:10]:
            print(
                f"  {check['severity'].upper():<7} {check['suite']}: {check['expectation']}"
                f"{' on ' + check['column'] if check['column'] else ''} ({check['unexpected_count']} rows)"
            )
    print(f"quarantined or refused files: {len(status.quarantined)}")
    for item in status.quarantined[:20]:
        print(f"  {item['source_file']}: {item['reason']}")
    if status.duplicates:
        print(f"files not loaded because their bytes are already loaded: {len(status.duplicates)}")
        for item in status.duplicates[:20]:
            print(f"  {item['source_file']}: {item['reason']}")
    print(f"rejected rows in current files: {status.rejected_rows:,}")
    for reason, count in list(status.rejected_by_reason.items())[:10]:
        print(f"  {count:>8,}  {reason}")
    return unhealthy


# --- sql -----------------------------------------------------------------------------------------
def _run_query(con, query: str, as_csv: bool, max_rows: int, raw: bool = False) -> None:
    import duckdb

    from dashboards.safe_csv import write_csv

    try:
        if as_csv:
            cursor = con.execute(query)
            if cursor.description is None:
                return
            batches = iter(lambda: cursor.fetchmany(10_000), [])
            write_csv(sys.stdout, [column[0] for column in cursor.description], batches, raw=raw)
            return
        relation = con.sql(query)
        if relation is not None:
            relation.show(max_rows=max_rows, max_width=200)
    except duckdb.Error as err:
        raise UserError(f"SQL error: {str(err).splitlines()[0]}") from None


def cmd_sql(args: argparse.Namespace, settings: Settings) -> int:
    from orchestration.published import PublishedUnavailable, open_published

    path = settings.published_path
    config = {"enable_external_access": False, "lock_configuration": True}
    try:
        con = open_published(path, config)
    except PublishedUnavailable as err:
        raise UserError(str(err)) from None
    with con:
        if args.query:
            _run_query(con, args.query, args.csv, args.max_rows, args.raw)
            return 0
        interactive = sys.stdin.isatty()
        if interactive:
            _say(f"connected read-only to {path}; schemas: marts, audit, staging. End a query with ';', quit with .q")
        buffer: list[str] = []
        while True:
            try:
                line = (
                    input("modelmarket> " if not buffer else "        ...> ") if interactive else sys.stdin.readline()
                )
            except EOFError:
                break
            if not interactive and line == "":
                break
            if line.strip() in (".q", ".quit", "exit", "quit") and not buffer:
                break
            buffer.append(line)
            if line.rstrip().endswith(";"):
                try:
                    _run_query(con, "\n".join(buffer), args.csv, args.max_rows, args.raw)
                except UserError as err:
                    if not interactive:
                        raise
                    _say(str(err))
                buffer = []
        if "".join(buffer).strip():
            _run_query(con, "\n".join(buffer), args.csv, args.max_rows, args.raw)
    return 0


# --- dashboard -------------------------------------------------------------------------------------
def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _url_host(address: str) -> str:
    """The host to print in the dashboard's URL: localhost for this machine or every interface."""
    return "localhost" if address in ("127.0.0.1", "0.0.0.0", "localhost", "::", "::1") else address


def cmd_dashboard(args: argparse.Namespace, settings: Settings) -> int:
    port = args.port or settings.port
    if port_in_use(port):
        raise UserError(f"port {port} is in use; set MODELMARKET_PORT or pass --port to choose another")
    if not settings.published_path.exists():
        _say(f"note: no published warehouse at {settings.published_path} yet; the pages will say so")
    from dashboards.server import serve, streamlit_command

    command = streamlit_command(port, args.address)
    print(f"dashboard: http://{_url_host(args.address)}:{port}  (Ctrl-C to stop)", flush=True)
    env = {"MODELMARKET_HOME": str(settings.home), "MODELMARKET_PORT": str(port)}
    try:
        return serve(command, os.environ | env)
    except KeyboardInterrupt:
        return 0


# --- export / docs ----------------------------------------------------------------------------------
def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    import duckdb

    from orchestration.export import ExportError, export_marts

    try:
        written = export_marts(
            settings.published_path, args.out, args.format, args.mart or (), progress=_say, raw=args.raw
        )
    except ExportError as err:
        raise UserError(str(err)) from None
    except duckdb.Error as err:  # e.g. a damaged block met while copying a mart
        raise UserError(f"export failed: {(str(err).strip().splitlines() or [type(err).__name__])[0]}") from None
    rows = sum(item.rows for item in written)
    print(f"exported {len(written)} marts ({rows:,} rows) as {args.format} to {args.out.resolve()}")
    return 0


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    from orchestration.docs import DocsError, generate_docs, serve

    port = args.port or 8080
    if not args.no_serve and port_in_use(port):
        raise UserError(f"port {port} is in use; pass --port to choose another")
    try:
        site = generate_docs(settings, progress=_say)
    except DocsError as err:
        raise UserError(str(err)) from None
    print(f"dbt docs: {site / 'index.html'} (single file: {site / 'static_index.html'})", flush=True)
    if args.no_serve:
        return 0
    print(f"serving the dbt docs at http://localhost:{port}  (Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        serve(site, port, args.address)
    return 0


# --- parser ----------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modelmarket",
        description="Market analytics warehouse for the LLM industry. Home: $MODELMARKET_HOME (default ./data).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo-data", help="write a synthetic, deterministic landing zone")
    demo.add_argument("--scale", default="small", help="tiny | small | medium | large | a number of usage rows")
    demo.add_argument("--seed", type=int, default=42, help="random seed (same seed, same files)")
    demo.add_argument("--end-month", default="2026-10", help="last month of usage, YYYY-MM (default 2026-10)")
    demo.add_argument("--force", action="store_true", help="write even if the landing zone already has files")
    demo.set_defaults(func=cmd_demo_data)

    refresh = sub.add_parser("refresh", help="ingest new files, build, test and publish the warehouse")
    refresh.add_argument("--quiet", action="store_true", help="print only the outcome")
    refresh.add_argument(
        "--full", action="store_true", help="rebuild every model from raw/ instead of on the published warehouse"
    )
    refresh.set_defaults(func=cmd_refresh)

    status = sub.add_parser("status", help="last refresh, rows per mart, freshness, quarantined files, rejects")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=cmd_status)

    sql = sub.add_parser("sql", help="query the published warehouse (read-only)")
    sql.add_argument("query", nargs="?", help="a SQL query; without it, an interactive prompt (or stdin)")
    sql.add_argument("--csv", action="store_true", help="write CSV to stdout instead of a table")
    sql.add_argument("--max-rows", type=int, default=40, help="rows shown in table output (default 40)")
    sql.add_argument(
        "--raw", action="store_true", help="with --csv: keep text cells starting with = + - @ as they are (no ')"
    )
    sql.set_defaults(func=cmd_sql)

    dashboard = sub.add_parser("dashboard", help="serve the Streamlit dashboard")
    dashboard.add_argument("--port", type=int, default=None, help="port (default $MODELMARKET_PORT or 8501)")
    dashboard.add_argument(
        "--address",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for every interface)",
    )
    dashboard.set_defaults(func=cmd_dashboard)

    rollback = sub.add_parser("rollback", help="restore the previously published warehouse")
    rollback.set_defaults(func=cmd_rollback)

    export = sub.add_parser("export", help="write marts of the published warehouse to Parquet or CSV files")
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="file format (default parquet)")
    export.add_argument("--out", type=Path, required=True, help="output directory (created; files <mart>.<format>)")
    export.add_argument(
        "--mart", action="append", metavar="NAME", help="a mart to export (repeatable; default: every mart)"
    )
    export.add_argument(
        "--raw", action="store_true", help="CSV: keep text cells starting with = + - @ as they are (no ')"
    )
    export.set_defaults(func=cmd_export)

    docs = sub.add_parser("docs", help="build the dbt docs (lineage, columns) and serve them")
    docs.add_argument("--port", type=int, default=None, help="port to serve on (default 8080)")
    docs.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    docs.add_argument("--no-serve", action="store_true", help="only build the site and print its path")
    docs.set_defaults(func=cmd_docs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return args.func(args, settings)
    except (UserError, ConfigError) as err:
        _say(f"modelmarket: {err}")
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
