"""P6's "make open-ended activities critical": by hand on small networks, on both CPM
paths (no calendars; task calendars), read from an XER file and written back."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pmo_sim.io.importers.xer import read_xer
from pmo_sim.io.scenario_file import load
from pmo_sim.io.toml_writer import dumps
from pmo_sim.model.calendar import Calendar
from pmo_sim.model.scenario import Project, Scenario
from pmo_sim.model.tasks import Task
from pmo_sim.scheduling.cpm import schedule

from .test_import_xer import _table, pred, task, xer_text

MONDAY = dt.date(2027, 3, 1)


def _scenario(open_ended_critical: bool, six: bool) -> Scenario:
    """a (2 d) -> b (5 d), the longest path; a -> c (1 d) -> d (1 d), which ends nowhere.
    With ``six``, d works Monday to Saturday (the calendar-and-progress passes)."""
    return Scenario(
        project=Project(
            name="p",
            start=MONDAY,
            open_ended_critical=open_ended_critical,
            calendars=(("six", Calendar("mon-sat", ())),),
        ),
        tasks=(
            Task("a", 2.0),
            Task("b", 5.0, predecessors=("a",)),
            Task("c", 1.0, predecessors=("a",)),
            Task("d", 1.0, predecessors=("c",), calendar="six" if six else ""),
        ),
    )


@pytest.mark.parametrize("six", [False, True])
def test_open_ends_float_to_the_project_finish_by_default(six):
    """a Mon-Tue, b Wed-Tue 9 March, c Wed, d Thu. d may finish as late as b: Friday,
    Monday and Tuesday are its float (and Saturday on Mon-Sat); c's is Thursday, Friday
    and Monday."""
    plan = schedule(_scenario(False, six))
    d_float = 4 if six else 3
    np.testing.assert_allclose(plan.total_float, [0, 0, 3, d_float])
    np.testing.assert_allclose(plan.free_float, [0, 0, 0, d_float])
    assert str(plan.dates()["late_finish"][3]) == "2027-03-09"


@pytest.mark.parametrize("six", [False, True])
def test_open_ended_critical_pins_each_open_end_and_the_paths_into_it(six):
    """With the option, d's late finish is its early finish (Thursday): no float, and c
    before it has none either; a and b keep theirs, and no early date moves."""
    off, on = schedule(_scenario(False, six)), schedule(_scenario(True, six))
    np.testing.assert_allclose(on.total_float, [0, 0, 0, 0])
    np.testing.assert_allclose(on.free_float, [0, 0, 0, 0])
    assert [str(x) for x in on.dates()["late_finish"]] == [
        "2027-03-02",
        "2027-03-09",
        "2027-03-03",
        "2027-03-04",
    ]
    np.testing.assert_array_equal(on.early_start, off.early_start)
    np.testing.assert_array_equal(on.early_finish, off.early_finish)
    assert on.critical.all() and not off.critical[2:].any()


def test_the_option_is_read_from_p6_and_kept_in_the_scenario_file(tmp_path):
    tasks = [task("A", 16), task("B", 40), task("C", 8)]
    links = [pred("B", "A"), pred("C", "A")]
    for flag, want in (("Y", True), ("N", False), ("", False)):
        options = _table(
            "SCHEDOPTIONS",
            ["proj_id", "sched_open_critical_flag"],
            [{"proj_id": "1", "sched_open_critical_flag": flag}],
        )
        xer = tmp_path / "plan.xer"
        xer.write_text(xer_text(tasks, links, extra=options), encoding="cp1252")
        s = read_xer(xer).scenario
        assert s.project.open_ended_critical is want
        # C ends nowhere: four days of float to B's finish, none with the option.
        assert schedule(s).total_float[2] == (0.0 if want else 4.0)
        written = dumps(s)
        assert ("open_ended_critical = true" in written) is want
        path = tmp_path / "s.toml"
        path.write_text(written, encoding="utf-8")
        assert load(path).project.open_ended_critical is want


def test_a_bad_value_is_refused():
    with pytest.raises(TypeError, match="'open_ended_critical' must be true or false"):
        Project(name="p", start=MONDAY, open_ended_critical="yes")


def test_an_as_late_as_possible_open_end_keeps_its_pinned_finish():
    """With the option, an ALAP task without successors is not moved to the project
    finish (its late finish is its early finish), and an ALAP task elsewhere does not
    give the pinned open ends back their float."""
    base = dict(name="p", start=MONDAY, open_ended_critical=True)
    s = Scenario(
        project=Project(**base),
        tasks=(
            Task("a", 2.0),
            Task("b", 5.0, predecessors=("a",)),
            Task("c", 1.0, predecessors=("a",), as_late_as_possible=True),
        ),
    )
    plan = schedule(s)
    np.testing.assert_allclose(plan.early_finish, [2, 7, 3])
    np.testing.assert_allclose(plan.total_float, [0, 0, 0])
    s = Scenario(
        project=Project(**base),
        tasks=(
            Task("a", 2.0),
            Task("b", 5.0, predecessors=("a",)),
            Task("c", 1.0, predecessors=("a",)),
            Task("d", 1.0, predecessors=("c",)),
            Task("z", 1.0, predecessors=("b",), as_late_as_possible=True),
        ),
    )
    np.testing.assert_allclose(schedule(s).free_float, [0, 0, 0, 0, 0])
