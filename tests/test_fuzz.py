"""A fuzzing suite for every reader: mutated scenario files, task tables, risk registers,
P6 XER and MS Project XML files must give exit 0 or 2, never an internal error (exit 1)
or a traceback, in bounded time.

Mutations: deleted keys, cells and lines; values swapped for values of another type;
NaN, infinities, 1e308, negative and huge numbers; impossible dates; NUL bytes and very
long names; duplicated rows, tasks and lines; files cut short. CI draws a fixed set of
examples (``HYPOTHESIS_PROFILE=ci``); ``HYPOTHESIS_PROFILE=soak`` draws ten times as many
for a long search by hand. An input that ever failed is kept in ``REGRESSIONS`` (or as
an ``@example``), so it is tried on every run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pmo_sim.cli import cli

from .conftest import DATA
from .test_import_mspdi import mspdi, t
from .test_import_xer import pred, task, xer_text

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = [*sorted((ROOT / "scenarios").glob("*.toml")), DATA / "risk_register.toml"]
TEMPLATES = ROOT / "scenarios" / "templates"
#: A run that takes longer than this on any mutated input counts as hanging.
TIME_LIMIT_S = 60.0

NASTY: list[Any] = [
    float("nan"),
    float("inf"),
    float("-inf"),
    1e308,
    -1e308,
    -1,
    0,
    -0.0,
    1e9,
    2**63,
    "",
    " ",
    "x" * 5000,
    "\x00",
    "a\x00b",
    '=HYPERLINK("http://x","y")',
    dt.date(9999, 12, 31),
    dt.date(1, 1, 1),
    dt.date(1899, 12, 30),
    True,
    [],
    {},
    "2027-02-30",
    "not a date",
]
NASTY_TEXT = [
    "",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "-1",
    "1e999",
    "0",
    "x" * 5000,
    "\x00",
    "9999-12-31",
    "0001-01-01",
    "2027-02-30",
    "=1+1",
    "\t",
    "999999999999999999999",
]

settings_for_cli = settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def run_cli(*args: str) -> Any:
    """Invoke the command line; assert it ended cleanly (exit 0 or 2) in bounded time."""
    started = time.perf_counter()
    res = CliRunner().invoke(cli, list(args))
    elapsed = time.perf_counter() - started
    assert res.exit_code in (0, 2), f"exit {res.exit_code}: {res.output[-2000:]}"
    assert "internal error" not in res.output, res.output[-2000:]
    assert "Traceback" not in res.output, res.output[-2000:]
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.1f} s"
    return res


# --- scenario files ----------------------------------------------------------------------


def places(doc: Any, path: tuple = ()) -> list[tuple]:
    """Every key or index path inside a parsed TOML document."""
    found = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            found.append((*path, k))
            found += places(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found.append((*path, i))
            found += places(v, (*path, i))
    return found


def parent_of(doc: Any, path: tuple) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def mutate_document(doc: dict, data: st.DataObject, count: int) -> dict:
    """Apply ``count`` drawn mutations to a parsed scenario (in place) and return it."""
    for _ in range(count):
        spots = places(doc)
        if not spots:
            break
        path = data.draw(st.sampled_from(spots), label="where")
        parent, key = parent_of(doc, path), path[-1]
        how = data.draw(st.sampled_from(["delete", "nasty", "wrap", "text", "duplicate"]))
        if how == "delete":
            del parent[key]
        elif how == "nasty":
            parent[key] = data.draw(st.sampled_from(NASTY), label="value")
        elif how == "wrap":  # a value of another type: a list around it
            parent[key] = [parent[key]]
        elif how == "text":  # the value written as a string
            parent[key] = str(parent[key])
        elif isinstance(parent, list):  # a duplicated task, risk, link or impact
            parent.insert(key, parent[key])
        else:
            parent[key] = [parent[key], parent[key]]
    return doc


def write_scenario(directory: Path, doc: dict) -> Path | None:
    """The document as TOML; None when TOML cannot hold it (an empty key name...)."""
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):
        return None
    path = directory / "fuzzed.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("source", SCENARIOS, ids=lambda p: p.name)
@settings_for_cli
@given(data=st.data(), count=st.integers(1, 3))
def test_mutated_scenarios_exit_0_or_2(source, tmp_path, data, count):
    """validate, cpm and a short run of a mutated scenario end in exit 0 or 2."""
    doc = mutate_document(tomllib.loads(source.read_text(encoding="utf-8")), data, count)
    path = write_scenario(tmp_path, doc)
    if path is None:
        return
    res = run_cli("validate", str(path))
    if res.exit_code == 0:
        run_cli("cpm", str(path), "--json")
        run_cli("run", str(path), "-n", "64", "-q", "--json")


#: Inputs that once ended in an internal error or wrote something that is not JSON
#: (found by fuzzing); each must now be refused with exit 2 and name its field.
REGRESSIONS = {
    "pert lambda 1e9": (
        '[[tasks]]\nid = "a"\n'
        'duration = { dist = "pert", min = 1, mode = 2, max = 5, lambda = 1e9 }\n',
        "'lambda' must be greater than 0 and at most 50",
    ),
    "risk factor 1e300": (
        '[[tasks]]\nid = "a"\nduration = 3\n[[risks]]\nid = "R1"\nprobability = 0.5\n'
        'impacts = [{ tasks = ["a"], factor = { dist = "uniform", min = 1, max = 1e300 } }]\n',
        "'factor' must be at most 100",
    ),
    "data date in 9999": (
        'data_date = 9999-12-31\n[[tasks]]\nid = "a"\nduration = 3\n',
        "'data_date' must be a date between 1900-01-01 and 2199-12-31",
    ),
    "deadline in 1800": (
        'deadline = 1800-01-01\n[[tasks]]\nid = "a"\nduration = 3\n',
        "'deadline' must be a date between 1900-01-01 and 2199-12-31",
    ),
    "holiday in 2300": (
        '[calendars.site]\nholidays = [2300-01-01]\n[[tasks]]\nid = "a"\nduration = 3\n'
        'calendar = "site"\n',
        "'holidays[1]' must be a date between 1900-01-01 and 2199-12-31",
    ),
    "empty task calendar": (
        '[[tasks]]\nid = "a"\nduration = 3\ncalendar = ""\n',
        "'calendar' must be the name of a [calendars.NAME] table",
    ),
}


@pytest.mark.parametrize("case", REGRESSIONS, ids=list(REGRESSIONS))
def test_fuzzing_findings_are_refused_clearly(case, scenario_file):
    """Each input fuzzing once broke gives exit 2 with a message naming the field."""
    body, message = REGRESSIONS[case]
    head = '[project]\nname = "Probe"\nstart = 2027-01-04\n'
    if body.startswith(("data_date", "deadline")):
        head, body = head + body.split("\n", 1)[0] + "\n", body.split("\n", 1)[1]
    path = scenario_file(head + body)
    res = run_cli("run", str(path), "-n", "64", "-q", "--json")
    assert res.exit_code == 2
    assert message in res.output


def test_largest_pert_lambda_runs():
    """The bound on lambda is the shapes the tables support: lambda 50 still runs."""
    from pmo_sim import Pert
    from pmo_sim.engine.quantiles import pert_table

    for mode in (0.0, 1e-6, 0.01, 0.5, 0.999999, 1.0):
        low, high = pert_table(*Pert(0.0, mode, 1.0, 50.0).shapes)
        assert low.size and high.size


# --- task tables and risk registers -------------------------------------------------------


def mutate_table(text: str, data: st.DataObject, count: int) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    for _ in range(count):
        how = data.draw(
            st.sampled_from(["cell", "cell", "delete row", "delete column", "duplicate row", "cut"])
        )
        r = data.draw(st.integers(0, len(rows) - 1))
        if how == "cell" and rows[r]:
            c = data.draw(st.integers(0, len(rows[r]) - 1))
            rows[r][c] = data.draw(st.sampled_from(NASTY_TEXT))
        elif how == "delete row" and len(rows) > 1:
            del rows[r]
        elif how == "delete column" and rows[0]:
            c = data.draw(st.integers(0, len(rows[0]) - 1))
            rows = [row[:c] + row[c + 1 :] for row in rows]
        elif how == "duplicate row":
            rows.insert(r, list(rows[r]))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    text = out.getvalue()
    if data.draw(st.booleans(), label="cut short"):
        text = text[: data.draw(st.integers(0, len(text)))]
    return text


@settings_for_cli
@given(data=st.data(), count=st.integers(1, 3))
def test_mutated_task_tables_and_registers_exit_0_or_2(tmp_path, data, count):
    """import of a mutated task table, with a mutated risk register, ends in 0 or 2."""
    tasks = tmp_path / "tasks.csv"
    risks = tmp_path / "risks.csv"
    which = data.draw(st.sampled_from(["tasks", "risks", "both"]))
    tasks_text = (TEMPLATES / "tasks.csv").read_text(encoding="utf-8")
    risks_text = (TEMPLATES / "risks.csv").read_text(encoding="utf-8")
    if which in ("tasks", "both"):
        tasks_text = mutate_table(tasks_text, data, count)
    if which in ("risks", "both"):
        risks_text = mutate_table(risks_text, data, count)
    tasks.write_text(tasks_text, encoding="utf-8")
    risks.write_text(risks_text, encoding="utf-8")
    res = run_cli(
        "import",
        str(tasks),
        "--start",
        "2027-01-04",
        "--risks",
        str(risks),
        "-q",
        "-o",
        str(tmp_path / "out.toml"),
    )
    if res.exit_code == 0:
        run_cli("run", str(tmp_path / "out.toml"), "-n", "64", "-q")


# --- P6 XER and MS Project XML -------------------------------------------------------------


def base_xer() -> str:
    tasks = [task("A", 16), task("B", 24), task("C", 8), task("M", 0)]
    links = [pred("B", "A"), pred("C", "A", "PR_SS", 8), pred("M", "B"), pred("M", "C", "PR_FF")]
    return xer_text(tasks, links)


@settings_for_cli
@given(data=st.data(), count=st.integers(1, 3))
@example(data=None, count=0)  # the unmutated file imports
def test_mutated_xer_files_exit_0_or_2(tmp_path, data, count):
    """import of a mutated P6 export ends in exit 0 or 2."""
    lines = base_xer().split("\r\n")
    for _ in range(count):
        if not lines:  # a cut at line 0 and a delete leave nothing more to mutate
            break
        k = data.draw(st.integers(0, len(lines) - 1))
        how = data.draw(st.sampled_from(["field", "field", "field", "delete", "duplicate", "cut"]))
        if how == "field" and lines[k].startswith("%R"):
            fields = lines[k].split("\t")
            f = data.draw(st.integers(1, len(fields) - 1))
            fields[f] = data.draw(st.sampled_from(NASTY_TEXT))
            lines[k] = "\t".join(fields)
        elif how == "delete":
            del lines[k]
        elif how == "duplicate":
            lines.insert(k, lines[k])
        elif how == "cut":
            lines = [*lines[:k], lines[k][: data.draw(st.integers(0, len(lines[k])))]]
    path = tmp_path / "plan.xer"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    res = run_cli("import", str(path), "-q", "-o", str(tmp_path / "plan.toml"))
    if count == 0:
        assert res.exit_code == 0, res.output
    if res.exit_code == 0:
        run_cli("run", str(tmp_path / "plan.toml"), "-n", "64", "-q")


def base_mspdi() -> str:
    return mspdi(
        [
            t(1, "A", 16),
            t(2, "B", 24, links=((1, 1, 0, 7),)),
            t(3, "C", 8, links=((1, 3, 4800, 7),)),
            t(4, "Done", 0, links=((2, 1, 0, 7), (3, 0, 0, 7)), Milestone=1),
        ]
    )


@settings_for_cli
@given(data=st.data(), count=st.integers(1, 3))
@example(data=None, count=0)  # the unmutated file imports
def test_mutated_mspdi_files_exit_0_or_2(tmp_path, data, count):
    """import of a mutated MS Project XML file ends in exit 0 or 2."""
    ET.register_namespace("", "http://schemas.microsoft.com/project")
    root = ET.fromstring(base_mspdi())
    for _ in range(count):
        elements = list(root.iter())
        k = data.draw(st.integers(1, len(elements) - 1))
        el = elements[k]
        how = data.draw(st.sampled_from(["text", "text", "delete", "duplicate"]))
        if how == "text":
            el.text = data.draw(st.sampled_from(NASTY_TEXT)).replace("\x00", "")
        else:
            parent = next(p for p in root.iter() if el in list(p))
            if how == "delete":
                parent.remove(el)
            else:
                parent.insert(list(parent).index(el), el)
    text = ET.tostring(root, encoding="unicode")
    if count and data.draw(st.booleans(), label="cut short"):
        text = text[: data.draw(st.integers(0, len(text)))]
    path = tmp_path / "plan.xml"
    path.write_text(text, encoding="utf-8")
    res = run_cli("import", str(path), "-q", "-o", str(tmp_path / "plan.toml"))
    if count == 0:
        assert res.exit_code == 0, res.output
    if res.exit_code == 0:
        run_cli("run", str(tmp_path / "plan.toml"), "-n", "64", "-q")
