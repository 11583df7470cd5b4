"""Values are data, never markup or formulas; the dashboard listens on this machine and stops when told.

- Every page runs against a copy of the tiny demo warehouse whose vendor and model names, ids, sources, file
  names and reasons carry Markdown, HTML, Streamlit directives and a tracking-pixel image: every Markdown string
  the page sends (titles, captions, notices, metric labels and values, expander, tab and widget labels, help)
  renders, by an independent CommonMark parser, to plain text with no image, link or HTML, and every chart
  string holds no tag from the data.
- CSV from `modelmarket export`, `modelmarket sql --csv` and the download buttons: text cells starting with
  = + - @ tab or CR get a leading quote (not with `--raw`); numbers are never changed.
- `modelmarket dashboard` and `make dagster` listen on 127.0.0.1 by default; SIGTERM to the CLI stops the server.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from dashboards import charts, components, formatting, safe_csv
from dashboards.navigation import DASHBOARDS_DIR, PAGES
from dashboards.server import OPTIONS
from ingest.settings import Settings
from orchestration import cli
from tests import dashboard_fixtures as fx

REPO = Path(__file__).resolve().parents[1]
APP = DASHBOARDS_DIR / "app.py"

PIXEL = "http://127.0.0.1:9/pixel.png"
# A prefix put in front of every tainted value: Markdown image, link, emphasis, HTML, Streamlit colour, icon,
# emoji and math syntax, a bare URL and an e-mail address (GFM autolinks), a Plotly template field.
HOSTILE = (
    f"![x]({PIXEL}) [l](http://127.0.0.1:9/) **bold** <img src=x> <a href=x>a</a> :red[c] :material/home: "
    ":smile: $x$ www.example.com m@example.com %{y} "
)
HOSTILE_PIECES = ("![x](", "](http", "**bold**", "<img", "<a ", ":red[", ":material/home:", ":smile:", "$x$")
# columns whose every value gets the prefix (ids consistently in every table, so joins still match)
TAINTED_COLUMNS = frozenset(
    {"vendor_id", "from_vendor", "to_vendor", "vendor_name", "model_id", "model_name", "source_file", "reason"}
)
TAINTED_MART_COLUMNS = frozenset({"source"})  # in audit tables `source` is the landing folder, a fixed name

# Fields of Streamlit element protos that the browser renders as Markdown (st.code, st.text, st.json, select
# boxes' and multiselects' options and table cells are plain text).
MARKDOWN_FIELDS = frozenset({"body", "label", "help", "delta", "delta_description", "placeholder"})
PLAIN_TEXT_ELEMENTS = frozenset({"code", "text", "json", "exception"})
MARKDOWN_OPTION_ELEMENTS = frozenset({"button_group", "select_slider"})


# --- the hostile warehouse ------------------------------------------------------------------------------


def _taint(con: duckdb.DuckDBPyConnection) -> None:
    """Prefix every tainted column of marts and audit with HOSTILE (except the price index's 'all')."""
    columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('marts', 'audit') and data_type = 'VARCHAR'"
    ).fetchall()
    by_table: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in columns:
        if column in TAINTED_COLUMNS or (schema == "marts" and column in TAINTED_MART_COLUMNS):
            by_table.setdefault((schema, table), []).append(column)
    prefix = HOSTILE.replace("'", "''")
    for (schema, table), names in by_table.items():
        replaced = ", ".join(
            f"""case when "{c}" is null or "{c}" = 'all' then "{c}" else '{prefix}' || "{c}" end as "{c}\""""
            for c in names
        )
        con.execute(
            f'create or replace table {schema}."{table}" as select * replace ({replaced}) from {schema}."{table}"'
        )


@pytest.fixture(scope="module")
def hostile_home(demo_home: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A home whose published warehouse is the demo one with hostile names, a quarantined file, a rejected row
    and a failed refresh attempt with a hostile message."""
    settings = replace(demo_home, home=tmp_path_factory.mktemp("hostile") / "home")
    settings.published_path.parent.mkdir(parents=True)
    shutil.copyfile(demo_home.published_path, settings.published_path)
    with duckdb.connect(str(settings.published_path)) as con:
        _taint(con)
        loaded_at = con.execute("select max(loaded_at) from audit.load_log").fetchone()[0]
        con.execute(
            "insert into audit.load_log (source, dataset, source_file, status, reason, delivered_rows, loaded_rows, "
            "rejected_rows, quarantine_path, loaded_at) values ('market', 'vendors', ?, 'quarantined', ?, 1, 0, 0, "
            "?, ?)",
            [HOSTILE + "v.csv", HOSTILE + "bad file", HOSTILE + "q/v.csv", loaded_at],
        )
        con.execute(
            "insert into audit.rejected_rows (source, dataset, source_file, row_number, reason, row_json, loaded_at, "
            "is_current) values ('customers', 'usage', ?, 2, ?, '{}', ?, true)",
            [HOSTILE + "u.csv", HOSTILE + "bad row", loaded_at],
        )
    settings.published_path.chmod(0o444)
    attempt = {
        "run_id": "run-x",
        "started_at": datetime(2100, 1, 1).isoformat(),  # after the publish: the page reports it as a failure
        "finished_at": datetime(2100, 1, 1, 0, 1).isoformat(),
        "status": HOSTILE + "failed",
        "message": HOSTILE + "a check failed",
        "duration_s": 1.0,
    }
    settings.refresh_log_path.write_text(json.dumps(attempt) + "\n", encoding="utf-8")
    return settings


@pytest.fixture
def hostile_env(hostile_home: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MODELMARKET_HOME", str(hostile_home.home))
    return hostile_home


# --- what a page sends ------------------------------------------------------------------------------------

COMMONMARK = MarkdownIt("commonmark", {"html": True}).enable(["strikethrough", "table"])
# what GFM and Streamlit turn into links or markup inside plain text (after escapes are resolved)
AUTOLINK = re.compile(r"(https?://|www(?=\.))|([-.\w+]+@[-\w]+(?:\.[-\w]+)+)", re.IGNORECASE)


def markdown_strings(at: AppTest) -> Iterator[tuple[str, str]]:
    """(element type, text) of every string the page sends that the browser renders as Markdown."""
    for node in (*at.main, *at.sidebar):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if proto is None or kind in PLAIN_TEXT_ELEMENTS or not hasattr(proto, "ListFields"):
            continue
        for field, value in proto.ListFields():
            if field.name in MARKDOWN_FIELDS and isinstance(value, str):
                yield kind, value
        if kind in MARKDOWN_OPTION_ELEMENTS:
            for option in getattr(proto, "options", ()):
                yield kind, option if isinstance(option, str) else option.content


def rendered(markdown: str) -> tuple[str, set[str]]:
    """(the text nodes a CommonMark renderer makes, the token types it produced)."""
    text, types = [], set()
    for token in COMMONMARK.parse(markdown):
        types.add(token.type)
        for child in token.children or ():
            types.add(child.type)
            if child.type in ("text", "code_inline"):
                text.append(child.content)
    return "".join(text), types


def visible(text: str) -> str:
    return text.replace(formatting.WORD_JOINER, "")


def walk_strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    """(key path, string) of every string inside a JSON value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk_strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from walk_strings(item, path)


def chart_strings(at: AppTest) -> Iterator[tuple[str, str]]:
    """(key path, string) of every string in every Plotly figure of the page."""
    for chart in at.get("plotly_chart"):
        yield from walk_strings(json.loads(chart.proto.spec), "figure")


def open_page(page: str, **query_params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = dict(query_params)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


PAGE_RUNS = [(spec.script, {}) for spec in PAGES] + [("views/customers.py", {"section": "Cohort retention"})]


@pytest.mark.parametrize(("page", "params"), PAGE_RUNS, ids=[f"{p}{'-' + str(q) if q else ''}" for p, q in PAGE_RUNS])
def test_every_value_on_every_page_is_shown_as_text(hostile_env: Settings, page: str, params: dict[str, str]) -> None:
    at = open_page(page, **params)
    shown = 0
    for kind, markdown in markdown_strings(at):
        for piece in HOSTILE_PIECES:  # nowhere as syntax: each starts escaped or does not occur
            assert not re.search(r"(?<!\\)" + re.escape(piece), markdown), (kind, markdown)
        text, types = rendered(markdown)
        assert not types & {"image", "link_open", "html_inline", "html_block"}, (kind, markdown)
        assert not AUTOLINK.search(text), (kind, text)  # GFM would link it
        shown += HOSTILE in visible(text)
    drawn = 0
    for path, value in chart_strings(at):
        assert "<img" not in value and "<a " not in value, (path, value)
        if path.endswith("template"):
            assert "pixel" not in value, (path, value)  # a name inside a template would be read as fields
        drawn += formatting.chart_text(HOSTILE) in value
    assert shown + drawn > 0, "the page shows no tainted value: the test would prove nothing"


def test_the_markdown_of_a_hostile_value_renders_as_its_characters() -> None:
    for value in (HOSTILE, "a_b*c*", "1. x", "# h", "> q", "- l", "`c`", "a\\b", "x\ny\r\nz", "&amp; &#60;"):
        markdown = formatting.md_escape(value)
        text, types = rendered(markdown)
        assert visible(text) == re.sub(r"[\r\n]+", " ", value).strip(), markdown
        assert types <= {"paragraph_open", "paragraph_close", "inline", "text"}, (value, types)
        assert not AUTOLINK.search(text), text
    assert formatting.md_escape("Mistral AI") == "Mistral AI"  # plain names are unchanged


def test_charts_draw_names_as_text() -> None:
    name = HOSTILE + "vendor"
    shares = pd.DataFrame(
        {"period_start": pd.to_datetime(["2025-01-01"]), "vendor_id": ["v"], "vendor_name": [name], "share": [1.0]}
    )
    figures = [
        charts.share_area(shares, {}, title=name, y_title="share"),
        charts.radar({"financial": 1.0}, {"financial": 2.0}, vendor_name=name, color="#4C78A8", title=name),
        charts.horizontal_bars(pd.DataFrame({"n": [1], "label": [name]}), x="n", y="label", title=name, x_title="n"),
    ]
    for figure in figures:
        spec = json.loads(figure.to_json())
        strings = [value for _path, value in walk_strings(spec, "figure")]
        assert not [value for value in strings if "<img" in value]
        assert any(formatting.chart_text(name) in value for value in strings)
        templates = [trace.get("hovertemplate", "") for trace in spec["data"]]
        assert all("pixel" not in template for template in templates), templates


# --- CSV ------------------------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://127.0.0.1:9/","x")', "+1", "-3.5", "@SUM(A1)", "\t=1", "\r=1"]
HARMLESS = ["OpenAI", " =1", "3-5", "a=b", "", "'=1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_looking_text_gets_a_quote(value: str) -> None:
    assert safe_csv.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", [*HARMLESS, -3.5, 0, None, True, datetime(2025, 1, 1)])
def test_anything_else_is_unchanged(value: object) -> None:
    assert safe_csv.neutralise(value) == value


def test_the_download_csv_neutralises_text_and_keeps_numbers() -> None:
    frame = pd.DataFrame({"vendor_name": [*FORMULAS, "OpenAI"], "change": [-3.5, -1, 0, 1, 2, 3, 4]})
    rows = list(csv.reader(io.StringIO(components.csv_bytes(frame).decode("utf-8"), newline="")))
    assert rows[0] == ["vendor_name", "change"]
    assert [row[0] for row in rows[1:]] == ["'" + value for value in FORMULAS] + ["OpenAI"]
    assert [float(row[1]) for row in rows[1:]] == [-3.5, -1, 0, 1, 2, 3, 4]  # numbers stay numbers


@pytest.fixture
def formula_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The hand-made warehouse with formula-looking vendor names."""
    home = tmp_path / "home"
    path = fx.build_warehouse(home / "warehouse" / "market.duckdb")
    with duckdb.connect(str(path)) as con:
        names = con.execute("select vendor_id from marts.dim_vendors order by vendor_id").fetchall()
        for (vendor_id,), name in zip(names, FORMULAS, strict=False):
            con.execute("update marts.dim_vendors set vendor_name = ? where vendor_id = ?", [name, vendor_id])
    monkeypatch.setenv("MODELMARKET_HOME", str(home))
    return path


@pytest.mark.parametrize("raw", [False, True])
def test_export_csv_neutralises_text_cells_unless_raw(formula_home: Path, tmp_path: Path, raw: bool) -> None:
    out = tmp_path / "out"
    assert cli.main(["export", "--format", "csv", "--out", str(out), *(["--raw"] if raw else [])]) == 0
    with (out / "dim_vendors.csv").open(encoding="utf-8", newline="") as handle:
        vendors = list(csv.DictReader(handle))
    expected = set(FORMULAS[: len(vendors)])
    assert {row["vendor_name"] for row in vendors} == (expected if raw else {"'" + v for v in expected})
    with (out / "fct_market_share.csv").open(encoding="utf-8", newline="") as handle:
        shares = list(csv.DictReader(handle))
    changes = [float(row["share_change_pp"]) for row in shares if row["share_change_pp"]]
    assert min(changes) < 0  # negative numbers are written as numbers, not quoted
    with duckdb.connect(str(formula_home), read_only=True) as con:
        stored = con.execute("select count(*) from marts.fct_market_share").fetchone()[0]
    assert len(shares) == stored


@pytest.mark.parametrize("raw", [False, True])
def test_sql_csv_neutralises_text_cells_unless_raw(
    formula_home: Path, capsys: pytest.CaptureFixture[str], raw: bool
) -> None:
    query = "select '=1+1' as \"=a\", -3.5 as b, '-3.5' as c, null as d, 'ok' as e, chr(13) || '=1' as f"
    assert cli.main(["sql", "--csv", *(["--raw"] if raw else []), query]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    if raw:
        assert rows == [["=a", "b", "c", "d", "e", "f"], ["=1+1", "-3.5", "-3.5", "", "ok", "\r=1"]]
    else:  # the carriage return is inside a quoted cell: no reader starts a row with =1
        assert rows == [["'=a", "b", "c", "d", "e", "f"], ["'=1+1", "-3.5", "'-3.5", "", "ok", "'\r=1"]]


# --- listening address and stop -------------------------------------------------------------------------


def test_the_dashboard_listens_on_this_machine_by_default() -> None:
    args = cli.build_parser().parse_args(["dashboard"])
    assert args.address == "127.0.0.1"
    assert cli.build_parser().parse_args(["dashboard", "--address", "0.0.0.0"]).address == "0.0.0.0"
    assert ("client.disableDataExport", "true") in OPTIONS  # the tables' own CSV export writes cells verbatim


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_dagster_listens_on_this_machine_by_default() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_ADDRESS"}
    plan = subprocess.run(["make", "-n", "dagster"], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert re.search(r'dagster dev .*-h "127\.0\.0\.1"', plan.stdout), plan.stdout
    told = subprocess.run(
        ["make", "-n", "dagster", "DAGSTER_ADDRESS=0.0.0.0"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert re.search(r'dagster dev .*-h "0\.0\.0\.0"', told.stdout), told.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to find the server process")
def test_sigterm_to_the_dashboard_command_stops_its_server(tmp_path: Path) -> None:
    port = _free_port()
    env = os.environ | {"MODELMARKET_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "orchestration.cli", "dashboard", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    server: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not _accepts(port):
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "the dashboard did not start listening within 60 s"
            time.sleep(0.2)
        server = _children(process.pid)
        assert server, "the server runs as a child of the command"

        process.send_signal(signal.SIGTERM)  # the CLI only, not its process group

        deadline = time.monotonic() + 15
        while (_accepts(port) or any(_alive(pid) for pid in server)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _accepts(port), "the port is still served after SIGTERM"
        assert not any(_alive(pid) for pid in server), "the server outlived the command"
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None or any(_alive(pid) for pid in server):
            os.killpg(process.pid, signal.SIGKILL)  # the test's own process group
            process.wait()
