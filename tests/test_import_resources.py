"""Resources and assignments brought across by the importers: P6 XER (``RSRC``,
``RSRCRATE``, ``TASKRSRC``), MS Project XML (``Resources``, ``Assignments``), and the
PSPLIB (``.sm``) and Patterson (``.rcp``) benchmark instances.

The shared files (``<repo>/../shared/data``) are checked against an independent
reading of their tables and XML (``csv``-style splitting and ``xml.etree`` here, not the
importers), and the PSPLIB reader against the PyPI ``psplib`` package on every
instance; those tests skip when the folder (or the package) is absent. Small synthetic
files pin each rule: units, rates per working day, escalation, the rule that keeps a
cost counted once, and the warnings for what is left out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import textwrap
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner

from pmo_sim.cli import cli
from pmo_sim.io.importers import detect_format, read_schedule
from pmo_sim.io.importers import mspdi as mspdi_module
from pmo_sim.io.importers import xer as xer_module
from pmo_sim.io.importers.psplib import DEFAULT_START, read_psplib
from pmo_sim.io.importers.xer import decode_xer, list_projects
from pmo_sim.io.scenario_file import parse_scenario
from pmo_sim.io.toml_writer import dumps
from pmo_sim.model.errors import ScenarioError

# --------------------------------------------------------------------------- helpers


def xer_tables(path: Path) -> dict[str, list[dict[str, str]]]:
    """An XER file's tables as lists of rows (field -> text), read without the importer
    (its decoder only turns the bytes into text)."""
    text, _ = decode_xer(path.read_bytes())
    tables: dict[str, list[dict[str, str]]] = {}
    fields: list[str] = []
    current: list[dict[str, str]] = []
    for line in text.splitlines():
        parts = line.split("\t")
        if parts[0] == "%T":
            current = tables.setdefault(parts[1].strip(), [])
        elif parts[0] == "%F":
            fields = [f.strip() for f in parts[1:]]
        elif parts[0] == "%R":
            current.append(dict(zip(fields, [v.strip() for v in parts[1:]], strict=False)))
    return tables


def _float(text: str) -> float:
    return float(text) if text else 0.0


def expected_xer(path: Path, proj_id: str | None = None):
    """From the XER tables alone: (task code, resource short name) -> total units per
    hour of the project's activities, and resource short name -> (capacity, is material)."""
    t = xer_tables(path)
    project = next(r for r in t["PROJECT"] if proj_id in (None, r["proj_id"]))
    pid = project["proj_id"]
    start = project["plan_start_date"][:10]
    tasks = {
        r["task_id"]: r["task_code"]
        for r in t["TASK"]
        if r["proj_id"] == pid and r["task_type"] not in ("TT_LOE", "TT_WBS")
    }
    rsrc = {r["rsrc_id"]: r for r in t.get("RSRC", [])}
    pairs: dict[tuple[str, str], float] = {}
    for r in t.get("TASKRSRC", []):
        if r["task_id"] not in tasks or r.get("rsrc_id", "") not in rsrc:
            continue
        units = _float(r["remain_qty_per_hr"]) or _float(r["target_qty_per_hr"])
        if units <= 0:
            continue
        key = (tasks[r["task_id"]], rsrc[r["rsrc_id"]]["rsrc_short_name"])
        pairs[key] = pairs.get(key, 0.0) + units
    used = {rid for rid, row in rsrc.items() if any(row["rsrc_short_name"] == k[1] for k in pairs)}
    resources = {}
    for rid in used:
        row = rsrc[rid]
        rates = sorted(
            (r["start_date"][:10], _float(r["max_qty_per_hr"]))
            for r in t.get("RSRCRATE", [])
            if r["rsrc_id"] == rid
        )
        in_effect = [q for day, q in rates if day <= start] or [q for _, q in rates[:1]]
        capacity = in_effect[-1] if in_effect and in_effect[-1] > 0 else None
        material = row["rsrc_type"] == "RT_Mat"
        resources[row["rsrc_short_name"]] = (None if material else capacity, material)
    return pairs, resources


def imported_pairs(scenario) -> dict[tuple[str, str], float]:
    return {(t.id, a.resource): a.units.deterministic for t in scenario.tasks for a in t.resources}


def plan_cost(scenario) -> float:
    """Deterministic cost: task costs plus units x rate x duration (no escalation)."""
    rates = {r.id: r for r in scenario.resources}
    total = 0.0
    for t in scenario.tasks:
        days = t.duration.deterministic
        if t.cost is not None:
            total += t.cost.fixed.deterministic + t.cost.per_day * days
        for a in t.resources:
            r = rates[a.resource]
            assert not r.escalation
            total += a.units.deterministic * r.rate.deterministic * days
    return total


def without_resources(path: Path, project: str | None = None):
    """The file read with the resource step left out: the readers' costs as before."""

    def keep(c, where, resources, assignments, tasks, *args):
        return list(tasks), ()

    with (
        mock.patch.object(xer_module, "carry_resources", keep),
        mock.patch.object(mspdi_module, "carry_resources", keep),
    ):
        return read_schedule(path, project).scenario


def round_trips(scenario) -> None:
    """The scenario written as TOML reads back equal (the source path aside)."""
    again = parse_scenario(tomllib.loads(dumps(scenario)))
    assert dataclasses.replace(again, source=scenario.source) == scenario


def warning_text(imported) -> str:
    return "\n".join(w.message for w in imported.warnings)


@pytest.fixture
def schedules(shared_data) -> Path:
    """The shared schedule files; skips the test when they are absent."""
    if shared_data is None or not (shared_data / "schedules").is_dir():
        pytest.skip("shared schedules not found (../shared/data/schedules)")
    return shared_data / "schedules"


def _xer_projects(path: Path) -> list[str | None]:
    projects = list_projects(path)
    return [p["proj_id"] for p in projects] if len(projects) > 1 else [None]


# --------------------------------------------------------------------------- P6 XER


def test_shared_xer_resources_match_the_tables(schedules):
    """Every shared XER file: one assignment per (activity, resource) with the units per
    hour P6 gives (repeats summed), and each resource's capacity (max units per hour in
    effect at the start; none for material), as the tables say."""
    files = sorted((schedules / "xer").rglob("*.xer"))
    assert files
    for path in files:
        for project in _xer_projects(path):
            s = read_schedule(path, project).scenario
            pairs, resources = expected_xer(path, project)
            got = imported_pairs(s)
            assert got.keys() == pairs.keys(), path.name
            for key, units in pairs.items():
                assert got[key] == pytest.approx(units, rel=1e-12), (path.name, key)
            assert {r.id: r.capacity for r in s.resources} == {
                rid: cap for rid, (cap, _) in resources.items()
            }, path.name


def test_trial_project_counts_and_hand_checked_rows(schedules):
    """trial_project_wk2.xer: 58 of its 59 resources are used by its 554 (activity,
    resource) pairs (596 TASKRSRC rows, 42 repeats merged); L05 (13 per hour, an 8-hour
    day) prices its assignments at 104 per day, and its 19,500 on activity 20 leaves that
    activity's rate per day; E01 keeps its cost on its tasks (rate 0, warned)."""
    path = schedules / "xer" / "trial_project_wk2.xer"
    tables = xer_tables(path)
    assert len(tables["RSRC"]) == 59 and len(tables["TASKRSRC"]) == 596
    imported = read_schedule(path)
    s = imported.scenario
    assert len(s.resources) == 58
    assert sum(len(t.resources) for t in s.tasks) == 554
    l05 = next(r for r in s.resources if r.id == "L05")
    assert (l05.rate.deterministic, l05.capacity) == (104.0, 1.0)
    task = s.task("20")
    units = {a.resource: a.units.deterministic for a in task.resources}
    assert units["L05"] == pytest.approx(21.42857143)
    before = without_resources(path).task("20")
    days = task.duration.deterministic
    assert days == 8.75
    moved = (before.cost.per_day - (task.cost.per_day if task.cost else 0.0)) * days
    assert moved == pytest.approx(units["L05"] * 104.0 * days, abs=0.01)
    assert moved == pytest.approx(19500.0, abs=0.01)
    e01 = next(r for r in s.resources if r.id == "E01")
    assert (e01.rate.deterministic, e01.capacity, e01.name) == (0.0, 1.0, "excavator")
    assert units_of(s, "10", "E01") == pytest.approx(0.8 + 1.02857143)
    text = warning_text(imported)
    assert "E01 (task 10: the file's cost 3840.00" in text
    assert "42 assignments repeat a resource" in text
    material = next(r for r in s.resources if r.id == "M01")
    assert material.capacity is None and material.rate.deterministic == 0.0


def units_of(scenario, task_id: str, resource: str) -> float:
    return next(
        a.units.deterministic for a in scenario.task(task_id).resources if a.resource == resource
    )


def test_resource_rates_fixture_is_left_unpriced(schedules):
    """mpxj_resource_rates_test.xer: five assignments of R1 to one activity at five prices
    (rate types 1 and 2, role rates) become one of 5 units; no single rate gives their
    cost, so R1's rate is 0 and the 27,600 stays the activity's."""
    path = schedules / "xer" / "mpxj_resource_rates_test.xer"
    imported = read_schedule(path)
    s = imported.scenario
    (r1,) = s.resources
    assert (r1.id, r1.name, r1.rate.deterministic, r1.capacity) == ("R1", "Resource 1", 0.0, 1.0)
    assert units_of(s, "A1000", "R1") == 5.0
    assert plan_cost(s) == pytest.approx(27600.0)
    assert "R1 (task A1000" in warning_text(imported)


def test_cp1251_file_prices_its_painter(schedules):
    """aspose_encoding1251.xer: the painter (25 per hour, 8-hour days) is priced at 200 per
    day; his 0.77 units on A1000 carry the 770 the activity's rate held; the material
    resource has no capacity and no rate."""
    s = read_schedule(schedules / "xer" / "aspose_encoding1251.xer").scenario
    painter = next(r for r in s.resources if r.id == "R-4")
    assert (painter.name, painter.rate.deterministic, painter.capacity) == ("Painter", 200.0, 1.0)
    material = next(r for r in s.resources if r.id == "R-7")
    assert (material.rate.deterministic, material.capacity) == (0.0, None)
    owner = next(t for t in s.tasks if any(a.resource == "R-4" for a in t.resources))
    units = units_of(s, owner.id, "R-4")
    assert units == 0.77
    assert units * 200.0 * owner.duration.deterministic == pytest.approx(770.0)


def test_role_only_assignments_import_with_a_warning(schedules):
    """aspose_test.xer: three assignments name a role but no resource; the file imports,
    they are left out with a warning, and their cost stays on the activities."""
    path = schedules / "xer" / "aspose_test.xer"
    imported = read_schedule(path)
    assert "3 assignments name no resource (a role only)" in warning_text(imported)
    assert plan_cost(imported.scenario) == pytest.approx(plan_cost(without_resources(path)))


@pytest.mark.parametrize("kind", ["xer", "mspdi"])
def test_shared_files_count_cost_once(schedules, kind):
    """Every shared XER and MSPDI file costs the same with its resources as the readers'
    task costs alone: a priced assignment's amount leaves its task's rate per day."""
    for path in sorted((schedules / kind).rglob("*.x*")):
        for project in _xer_projects(path) if kind == "xer" else [None]:
            with_them = read_schedule(path, project).scenario
            before = without_resources(path, project)
            assert plan_cost(with_them) == pytest.approx(plan_cost(before), rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("kind", ["xer", "mspdi"])
def test_shared_files_round_trip_through_toml(schedules, kind):
    """Every shared XER and MSPDI import, resources and assignments included, reads back
    equal from the TOML the writer makes."""
    for path in sorted((schedules / kind).rglob("*.x*")):
        for project in _xer_projects(path) if kind == "xer" else [None]:
            round_trips(read_schedule(path, project).scenario)


# ---- synthetic XER files

_TABLE_FIELDS = {
    "PROJECT": ["proj_id", "proj_short_name", "clndr_id", "plan_start_date", "last_recalc_date"],
    "CALENDAR": ["clndr_id", "default_flag", "clndr_name", "day_hr_cnt", "clndr_data"],
    "TASK": [
        "task_id",
        "proj_id",
        "clndr_id",
        "task_type",
        "status_code",
        "task_code",
        "task_name",
        "remain_drtn_hr_cnt",
        "target_drtn_hr_cnt",
        "early_start_date",
    ],
    "RSRC": ["rsrc_id", "rsrc_short_name", "rsrc_name", "rsrc_type"],
    "RSRCRATE": ["rsrc_rate_id", "rsrc_id", "max_qty_per_hr", "cost_per_qty", "start_date"],
    "TASKRSRC": [
        "taskrsrc_id",
        "task_id",
        "proj_id",
        "rsrc_id",
        "role_id",
        "rsrc_type",
        "remain_qty_per_hr",
        "target_qty_per_hr",
        "target_cost",
        "remain_cost",
        "act_reg_cost",
        "act_ot_cost",
    ],
}


def _xer(tables: dict[str, list[dict]]) -> str:
    lines = ["ERMHDR\t19.12\t2027-01-01\tProject\tadmin\tadmin\tdb\tProject Management\tUSD"]
    for name, rows in tables.items():
        fields = _TABLE_FIELDS[name]
        lines += [f"%T\t{name}", "%F\t" + "\t".join(fields)]
        lines += ["%R\t" + "\t".join(str(r.get(f, "")) for f in fields) for r in rows]
    return "\r\n".join([*lines, "%E"]) + "\r\n"


def _task(code: str, hours: float, early: str = "2027-01-04 08:00") -> dict:
    return {
        "task_id": f"t{code}",
        "proj_id": "1",
        "clndr_id": "c1",
        "task_type": "TT_Task",
        "status_code": "TK_NotStart",
        "task_code": code,
        "task_name": f"Task {code}",
        "remain_drtn_hr_cnt": hours,
        "target_drtn_hr_cnt": hours,
        "early_start_date": early,
    }


def _assignment(n: int, code: str, rsrc: str, units: float, cost: float, **kw) -> dict:
    row = {
        "taskrsrc_id": n,
        "task_id": f"t{code}",
        "proj_id": "1",
        "rsrc_id": rsrc,
        "rsrc_type": "RT_Labor",
        "remain_qty_per_hr": units,
        "target_qty_per_hr": units,
        "target_cost": cost,
        "remain_cost": cost,
    }
    row.update(kw)
    return row


def _plan(tmp_path: Path, tasks: list[dict], rsrc: list[dict], rates: list[dict], taskrsrc):
    tables = {
        "PROJECT": [
            {
                "proj_id": "1",
                "proj_short_name": "DEMO",
                "clndr_id": "c1",
                "plan_start_date": "2027-01-04 00:00",
                "last_recalc_date": "2027-01-04 00:00",
            }
        ],
        # No work week: Monday to Friday of day_hr_cnt hours.
        "CALENDAR": [{"clndr_id": "c1", "default_flag": "Y", "clndr_name": "Std", "day_hr_cnt": 8}],
        "TASK": tasks,
        "RSRC": rsrc,
        "RSRCRATE": rates,
        "TASKRSRC": taskrsrc,
    }
    path = tmp_path / "plan.xer"
    path.write_bytes(_xer(tables).encode("cp1252"))
    return path


CREW = {"rsrc_id": "r1", "rsrc_short_name": "CREW", "rsrc_name": "Crew", "rsrc_type": "RT_Labor"}


def test_rate_per_hour_becomes_a_rate_per_working_day(tmp_path):
    """A labour rate of 10 per hour on 8-hour days is 80 per working day; two units for
    10 days cost 1,600, which leaves the task's rate per day; max units 3 per hour is a
    capacity of 3."""
    path = _plan(
        tmp_path,
        [_task("A", 80)],
        [CREW],
        [{"rsrc_rate_id": 1, "rsrc_id": "r1", "max_qty_per_hr": 3, "cost_per_qty": 10}],
        [_assignment(1, "A", "r1", 2, 1600)],
    )
    imported = read_schedule(path)
    s = imported.scenario
    (crew,) = s.resources
    assert (crew.id, crew.name, crew.rate.deterministic, crew.capacity) == (
        "CREW",
        "Crew",
        80.0,
        3.0,
    )
    assert s.task("A").resources[0].units.deterministic == 2.0
    assert s.task("A").cost is None
    assert plan_cost(s) == 1600.0
    assert imported.warnings == ()
    round_trips(s)


def test_rate_table_becomes_escalation(tmp_path):
    """RSRCRATE rows dated after the project start become escalation steps of the rate
    in effect at the start (10 -> 12 per hour: factor 1.2 from 2027-06-01); each task's
    cost is checked at the rate of its start."""
    path = _plan(
        tmp_path,
        [_task("A", 80), _task("B", 80, early="2027-07-05 08:00")],
        [CREW],
        [
            {"rsrc_rate_id": 1, "rsrc_id": "r1", "max_qty_per_hr": 1, "cost_per_qty": 8,
             "start_date": "2025-01-01 00:00"},
            {"rsrc_rate_id": 2, "rsrc_id": "r1", "max_qty_per_hr": 1, "cost_per_qty": 10,
             "start_date": "2026-01-01 00:00"},
            {"rsrc_rate_id": 3, "rsrc_id": "r1", "max_qty_per_hr": 1, "cost_per_qty": 12,
             "start_date": "2027-06-01 00:00"},
        ],
        [_assignment(1, "A", "r1", 1, 800), _assignment(2, "B", "r1", 1, 960)],
    )  # fmt: skip
    s = read_schedule(path).scenario
    (crew,) = s.resources
    assert crew.rate.deterministic == 80.0
    assert crew.escalation == ((dt.date(2027, 6, 1), 1.2),)
    assert s.task("A").cost is None and s.task("B").cost is None
    round_trips(s)


def test_a_rate_that_misses_an_assignment_keeps_the_costs_on_the_tasks(tmp_path):
    """When the resource's rate does not give one assignment's cost (a price override),
    its rate is 0, every assignment's cost stays on its task, and a warning names it."""
    path = _plan(
        tmp_path,
        [_task("A", 80), _task("B", 40)],
        [CREW],
        [{"rsrc_rate_id": 1, "rsrc_id": "r1", "max_qty_per_hr": 1, "cost_per_qty": 10}],
        [_assignment(1, "A", "r1", 1, 800), _assignment(2, "B", "r1", 1, 999)],
    )
    imported = read_schedule(path)
    s = imported.scenario
    assert s.resources[0].rate.deterministic == 0.0
    assert s.task("A").cost.per_day == 80.0 and s.task("B").cost.per_day == 999 / 5
    assert "CREW (task B: the file's cost 999.00, the rate's 400.00)" in warning_text(imported)


def test_missing_resource_imports_with_a_warning(tmp_path):
    """A TASKRSRC row naming a resource missing from RSRC imports: the assignment is left
    out with a warning and its cost stays on the activity."""
    path = _plan(
        tmp_path,
        [_task("A", 80)],
        [CREW],
        [{"rsrc_rate_id": 1, "rsrc_id": "r1", "max_qty_per_hr": 1, "cost_per_qty": 10}],
        [_assignment(1, "A", "r1", 1, 800), _assignment(2, "A", "ghost", 1, 500)],
    )
    imported = read_schedule(path)
    assert "1 assignments name resources missing from the RSRC table" in warning_text(imported)
    assert "A ~ rsrc_id ghost" in warning_text(imported)
    s = imported.scenario
    assert [r.id for r in s.resources] == ["CREW"]
    assert s.task("A").cost.per_day == 50.0  # the ghost's 500 over 10 days
    assert plan_cost(s) == 1300.0


def test_material_cost_stays_fixed_and_has_no_capacity(tmp_path):
    """A material resource is carried (units per hour, no capacity) with rate 0: its cost
    stays the task's fixed cost, as before."""
    concrete = {"rsrc_id": "m1", "rsrc_short_name": "CONC", "rsrc_name": "Concrete",
                "rsrc_type": "RT_Mat"}  # fmt: skip
    path = _plan(
        tmp_path,
        [_task("A", 80)],
        [concrete],
        [{"rsrc_rate_id": 1, "rsrc_id": "m1", "max_qty_per_hr": 1, "cost_per_qty": 100}],
        [_assignment(1, "A", "m1", 0.5, 4000, rsrc_type="RT_Mat")],
    )
    s = read_schedule(path).scenario
    (conc,) = s.resources
    assert (conc.rate.deterministic, conc.capacity) == (0.0, None)
    assert s.task("A").resources[0].units.deterministic == 0.5
    assert s.task("A").cost.fixed.deterministic == 4000.0 and s.task("A").cost.per_day == 0.0


def test_units_above_the_maximum_are_warned_about(tmp_path):
    """An assignment of more units than the resource's maximum imports, with a warning
    that a levelled run would refuse it."""
    path = _plan(
        tmp_path,
        [_task("A", 80)],
        [CREW],
        [{"rsrc_rate_id": 1, "rsrc_id": "r1", "max_qty_per_hr": 1, "cost_per_qty": 10}],
        [_assignment(1, "A", "r1", 2.5, 2000)],
    )
    imported = read_schedule(path)
    assert "A@CREW (2.5 of 1)" in warning_text(imported)


# --------------------------------------------------------------------------- MSPDI


def _xml(path: Path):
    root = ET.parse(path).getroot()
    ns = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""

    def text(el, tag, default=""):
        found = el.find(ns + tag)
        return found.text.strip() if found is not None and found.text else default

    return root, ns, text


def expected_mspdi(path: Path, task_ids: set[str]):
    """From the XML alone: (task UID, resource name) -> units, and resource name ->
    (capacity, rate per hour, is material), for assignments of ``task_ids``."""
    root, ns, text = _xml(path)
    resources = {}
    for el in root.findall(f"{ns}Resources/{ns}Resource"):
        uid, name = text(el, "UID"), text(el, "Name")
        if uid == "0" or not name or text(el, "IsNull") == "1" or text(el, "Type", "1") == "2":
            continue
        material = text(el, "Type", "1") == "0"
        capacity = None if material else float(text(el, "MaxUnits", "1"))
        resources[uid] = (name, capacity, float(text(el, "StandardRate", "0")), material)
    pairs: dict[tuple[str, str], float] = {}
    for el in root.findall(f"{ns}Assignments/{ns}Assignment"):
        task, res = text(el, "TaskUID"), text(el, "ResourceUID")
        if task in task_ids and res in resources:
            key = (task, resources[res][0])
            pairs[key] = pairs.get(key, 0.0) + float(text(el, "Units", "1"))
    used = {name for _, name in pairs}
    return pairs, {n: (cap, rate, mat) for n, cap, rate, mat in resources.values() if n in used}


def test_shared_mspdi_resources_match_the_xml(schedules):
    """Every shared MSPDI file: one assignment per (task, resource) with MS Project's
    units, and each resource's capacity (MaxUnits; none for material), as the XML says."""
    for path in sorted((schedules / "mspdi").glob("*.xml")):
        s = read_schedule(path).scenario
        pairs, resources = expected_mspdi(path, {t.id for t in s.tasks})
        assert imported_pairs(s) == pytest.approx(pairs), path.name
        assert {r.id: r.capacity for r in s.resources} == {
            name: cap for name, (cap, _, _) in resources.items()
        }, path.name


def test_residential_construction_counts(schedules):
    """residential_construction (from the .mpp): 24 resources less the null one are 23,
    all used, by 95 assignments (96 less MS Project's one unassigned placeholder); the
    file gives no rates, so every resource's rate is 0."""
    path = schedules / "mspdi" / "residential_construction.mpxj_from_mpp.xml"
    root, ns, _ = _xml(path)
    assert len(root.findall(f"{ns}Resources/{ns}Resource")) == 24
    s = read_schedule(path).scenario
    assert len(s.resources) == 23
    assert sum(len(t.resources) for t in s.tasks) == 95
    assert all(r.rate.deterministic == 0.0 and r.capacity == 1.0 for r in s.resources)
    assert {a.resource: a.units.deterministic for a in s.task("3").resources} == {
        "General contractor": 0.5,
        "Architect": 0.5,
        "Owner": 0.12,
        "Mortgage lender": 0.12,
    }


def test_ozbuild_rates_are_per_hour(schedules):
    """ozbuild (from the .mpp): StandardRate is money per hour whatever its format shows,
    so the clerical support's 50 is 400 per 8-hour day, with MaxUnits 2 as the capacity;
    the report binding (material, 90 per unit) keeps its cost on the task."""
    path = schedules / "mspdi" / "ozbuild_16_orig.mpxj_from_mpp.xml"
    imported = read_schedule(path)
    s = imported.scenario
    clerical = next(r for r in s.resources if r.id == "Clerical Support")
    assert (clerical.rate.deterministic, clerical.capacity) == (400.0, 2.0)
    binding = next(r for r in s.resources if r.id == "Report Binding")
    assert (binding.rate.deterministic, binding.capacity) == (0.0, None)
    assert s.task("29").cost.per_day * s.task("29").duration.deterministic == pytest.approx(270.0)
    assert "keep their cost" not in warning_text(imported)


MSPDI = """\
<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project">
  <Name>Demo</Name>
  <StartDate>2027-01-04T08:00:00</StartDate>
  <CalendarUID>1</CalendarUID>
  <Calendars><Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>
    <WeekDays>
      <WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
      {weekdays}
      <WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>
    </WeekDays></Calendar></Calendars>
  <Tasks>
    <Task><UID>1</UID><ID>1</ID><Name>Dig</Name><OutlineLevel>1</OutlineLevel>
      <Duration>PT80H0M0S</Duration><Cost>260000</Cost><FixedCost>0</FixedCost></Task>
    <Task><UID>2</UID><ID>2</ID><Name>Pour</Name><OutlineLevel>1</OutlineLevel>
      <Duration>PT40H0M0S</Duration><Cost>50000</Cost><FixedCost>0</FixedCost>
      <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type></PredecessorLink></Task>
  </Tasks>
  <Resources>
    <Resource><UID>0</UID><ID>0</ID><Type>1</Type><IsNull>0</IsNull></Resource>
    <Resource><UID>1</UID><ID>1</ID><Name>Digger</Name><Type>1</Type><MaxUnits>2</MaxUnits>
      <StandardRate>10</StandardRate><StandardRateFormat>3</StandardRateFormat>
      <Rates>
        <Rate><RatesFrom>1984-01-01T00:00:00</RatesFrom><RatesTo>2027-03-31T23:59:00</RatesTo>
          <RateTable>0</RateTable><StandardRate>10</StandardRate></Rate>
        <Rate><RatesFrom>2027-04-01T00:00:00</RatesFrom><RatesTo>2049-12-31T23:59:00</RatesTo>
          <RateTable>0</RateTable><StandardRate>11</StandardRate></Rate>
        <Rate><RatesFrom>1984-01-01T00:00:00</RatesFrom><RateTable>1</RateTable>
          <StandardRate>99</StandardRate></Rate>
      </Rates></Resource>
    <Resource><UID>2</UID><ID>2</ID><Name>Permit fee</Name><Type>2</Type></Resource>
    <Resource><UID>3</UID><ID>3</ID><Name>Sand</Name><Type>0</Type>
      <StandardRate>5</StandardRate></Resource>
  </Resources>
  <Assignments>
    <Assignment><UID>1</UID><TaskUID>1</TaskUID><ResourceUID>1</ResourceUID>
      <Units>2</Units><Cost>160000</Cost></Assignment>
    <Assignment><UID>2</UID><TaskUID>1</TaskUID><ResourceUID>3</ResourceUID>
      <Units>200</Units><Cost>100000</Cost></Assignment>
    <Assignment><UID>3</UID><TaskUID>2</TaskUID><ResourceUID>2</ResourceUID>
      <Units>1</Units><Cost>50000</Cost></Assignment>
    <Assignment><UID>4</UID><TaskUID>2</TaskUID><ResourceUID>7</ResourceUID>
      <Units>1</Units><Cost>0</Cost></Assignment>
    <Assignment><UID>5</UID><TaskUID>2</TaskUID><ResourceUID>-65535</ResourceUID>
      <Units>1</Units></Assignment>
  </Assignments>
</Project>
"""


def test_mspdi_resources_rates_and_what_is_left_out(tmp_path):
    """MSPDI: a work resource's StandardRate (per hour) x 8 hours is its rate per day, its
    rate table A's later entry an escalation, MaxUnits its capacity; its 1,600 leaves the
    task's rate per day. Material keeps its cost on the task; a cost resource, the null
    resource and the unassigned placeholder are left out; an unknown resource is warned."""
    weekdays = "".join(
        f"<WeekDay><DayType>{d}</DayType><DayWorking>1</DayWorking><WorkingTimes>"
        "<WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>"
        "<WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime>"
        "</WorkingTimes></WeekDay>"
        for d in range(2, 7)
    )
    path = tmp_path / "plan.xml"
    path.write_text(MSPDI.format(weekdays=weekdays), encoding="utf-8")
    imported = read_schedule(path)
    s = imported.scenario
    assert [r.id for r in s.resources] == ["Digger", "Sand"]
    digger, sand = s.resources
    assert (digger.rate.deterministic, digger.capacity) == (80.0, 2.0)
    assert digger.escalation == ((dt.date(2027, 4, 1), 1.1),)
    assert (sand.rate.deterministic, sand.capacity) == (0.0, None)
    assert {a.resource: a.units.deterministic for a in s.task("1").resources} == {
        "Digger": 2.0,
        "Sand": 200.0,
    }
    assert s.task("1").cost.per_day == 100.0  # the sand's 1,000 over 10 days
    assert s.task("2").resources == ()
    assert s.task("2").cost.per_day == 100.0  # the permit fee stays
    assert "2 ~ ResourceUID 7" in warning_text(imported)
    round_trips(s)


# --------------------------------------------------------------------------- PSPLIB


def _psplib_files(shared_data: Path | None) -> list[tuple[Path, str]]:
    if shared_data is None or not (shared_data / "psplib" / "j30").is_dir():
        pytest.skip("shared PSPLIB data not found (../shared/data/psplib)")
    files = [(p, "psplib") for p in sorted((shared_data / "psplib").glob("j*/*.sm"))]
    files += [(p, "patterson") for p in sorted((shared_data / "rg30").glob("*.rcp"))]
    return files


def test_psplib_reader_matches_the_psplib_package(shared_data):
    """On every shared PSPLIB instance (all 480 of j30, the j60/j90/j120 samples) and
    every RG30 Patterson file: capacities, durations, requests and successors equal what
    the PyPI psplib package reads."""
    psplib = pytest.importorskip("psplib")
    files = _psplib_files(shared_data)
    assert sum(1 for p, _ in files if p.parent.name == "j30") == 480
    for path, fmt in files:
        inst = psplib.parse(path, instance_format=fmt)
        imported = read_psplib(path)
        s = imported.scenario
        assert imported.warnings == (), path.name
        assert [r.id for r in s.resources] == [f"R{k + 1}" for k in range(len(s.resources))]
        assert [r.capacity for r in s.resources] == [
            float(r.capacity) for r in inst.resources if r.renewable
        ], path.name
        assert all(r.rate.deterministic == 0.0 for r in s.resources)
        successors: dict[str, list[str]] = {t.id: [] for t in s.tasks}
        for t in s.tasks:
            for link in t.predecessors:
                assert (link.type, link.lag) == ("FS", 0.0)
                successors[link.predecessor].append(t.id)
        assert len(s.tasks) == len(inst.activities), path.name
        for i, (task, act) in enumerate(zip(s.tasks, inst.activities, strict=True)):
            (mode,) = act.modes
            assert task.id == f"j{i + 1}"
            assert task.duration.deterministic == mode.duration, (path.name, task.id)
            demands = {f"R{k + 1}": float(q) for k, q in enumerate(mode.demands) if q > 0}
            assert {a.resource: a.units.deterministic for a in task.resources} == demands
            assert sorted(successors[task.id]) == sorted(f"j{j + 1}" for j in act.successors)


def test_psplib_import_round_trips_and_starts_on_the_default(shared_data):
    """A PSPLIB and a Patterson import start on 2027-01-04 unless told otherwise, and read
    back equal from their TOML."""
    files = _psplib_files(shared_data)
    sm = next(p for p, fmt in files if fmt == "psplib")
    rcp = next(p for p, fmt in files if fmt == "patterson")
    assert read_schedule(sm).scenario.project.start == DEFAULT_START == dt.date(2027, 1, 4)
    moved = read_schedule(rcp, start="2030-01-07").scenario
    assert moved.project.start == dt.date(2030, 1, 7)
    assert read_schedule(sm).format == "PSPLIB" and read_schedule(rcp).format == "Patterson"
    round_trips(read_schedule(sm).scenario)
    round_trips(moved)


SM = """\
************************************************************************
file with basedata            : tiny.bas
initial value random generator: 1
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  4
horizon                       :  10
RESOURCES
  - renewable                 :  2   R
  - nonrenewable              :  1   N
  - doubly constrained        :  0   D
************************************************************************
PROJECT INFORMATION:
pronr.  #jobs rel.date duedate tardcost  MPM-Time
    1      2      0        6        1        5
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           4
   4        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  R 2  N 1
------------------------------------------------------------------------
  1      1     0       0    0    0
  2      1     5       3    0    4
  3      1     2       0    2    1
  4      1     0       0    0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  R 2  N 1
    4    2   10
************************************************************************
"""


def test_small_psplib_file_by_hand(tmp_path):
    """A hand-written instance: jobs j1..j4 with their durations, FS links from the
    successor lists, R1/R2 with their availabilities as capacities, assignments for the
    nonzero renewable requests; the nonrenewable resource is left out, warned."""
    path = tmp_path / "tiny.sm"
    path.write_text(SM)
    assert detect_format(path) == "psplib"
    imported = read_schedule(path)
    s = imported.scenario
    assert [(t.id, t.duration.deterministic) for t in s.tasks] == [
        ("j1", 0.0),
        ("j2", 5.0),
        ("j3", 2.0),
        ("j4", 0.0),
    ]
    assert [link.predecessor for link in s.task("j4").predecessors] == ["j2", "j3"]
    assert [(r.id, r.capacity) for r in s.resources] == [("R1", 4.0), ("R2", 2.0)]
    assert [(a.resource, a.units.deterministic) for a in s.task("j2").resources] == [("R1", 3.0)]
    assert "1 nonrenewable" in warning_text(imported)
    assert "PSPLIB MPM-Time: 5" in imported.notes


def test_psplib_without_suffix_is_recognised(tmp_path):
    """A PSPLIB file is recognised by its header when its name has no known suffix."""
    path = tmp_path / "instance.dat"
    path.write_text(SM)
    assert detect_format(path) == "psplib"


def test_multi_mode_instances_are_refused(tmp_path):
    """A job with two modes (a .mm instance) is refused with its line."""
    path = tmp_path / "multi.sm"
    path.write_text(
        SM.replace("   2        1          1           4", "   2        2          1           4")
    )
    with pytest.raises(ScenarioError, match=r"line 20: job 2 has 2 modes"):
        read_schedule(path)


def test_patterson_file_by_hand_and_cut_short(tmp_path):
    """A Patterson file: counts, availabilities, then per activity duration, requests and
    successors (numbered from 1); a file cut short is refused with its last line."""
    path = tmp_path / "tiny.rcp"
    path.write_text(
        textwrap.dedent(
            """\
            3 1
            5

            0 0 1 2
            4 3 1 3
            0 0 0
            """
        )
    )
    assert detect_format(path) == "psplib"
    s = read_schedule(path).scenario
    assert [(t.id, t.duration.deterministic) for t in s.tasks] == [
        ("j1", 0.0),
        ("j2", 4.0),
        ("j3", 0.0),
    ]
    assert [link.predecessor for link in s.task("j3").predecessors] == ["j2"]
    assert [(r.id, r.capacity) for r in s.resources] == [("R1", 5.0)]
    assert [(a.resource, a.units.deterministic) for a in s.task("j2").resources] == [("R1", 3.0)]
    path.write_text("3 1\n5\n0 0 1 2\n4 3 1\n")
    with pytest.raises(ScenarioError, match=r"line 4: the file ends before successor 1"):
        read_schedule(path)


def test_cli_imports_a_psplib_instance(tmp_path):
    """``pmo-sim import tiny.sm --start ...`` writes a scenario with its resources and
    assignments, takes --start without calling it ignored, and reads back."""
    from pmo_sim.io.scenario_file import load

    source = tmp_path / "tiny.sm"
    source.write_text(SM)
    out = tmp_path / "tiny.toml"
    result = CliRunner().invoke(
        cli,
        ["import", str(source), "--start", "2027-02-01", "-o", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "ignored" not in result.output
    text = out.read_text()
    assert "[[resources]]" in text and 'resources = [{ id = "R1", units = 3 }]' in text
    s = load(out)
    assert s.project.start == dt.date(2027, 2, 1)
    assert [(r.id, r.capacity) for r in s.resources] == [("R1", 4.0), ("R2", 2.0)]
