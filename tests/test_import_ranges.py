"""Range rules for imported schedules: selection by id/name glob, WBS prefix and
calendar, percentages of the remaining duration, families, override order, and the
report of which rule hit each task."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from pmo_sim import Calendar, Pert, Project, Scenario, Task, Triangular, Trigen, Uniform
from pmo_sim.io.importers.ranges import apply_ranges, parse_rules
from pmo_sim.model.errors import ScenarioError


def scenario() -> Scenario:
    return Scenario(
        Project("p", dt.date(2027, 1, 4)),
        (
            Task("A100", 10, name="Excavation", wbs="PRJ.CIVIL"),
            Task("A110", 20, name="Concrete pour", wbs="PRJ.CIVIL.POUR"),
            Task("A200", 4, name="Design review", wbs="PRJ.DESIGN"),
            Task("MS1", 0, milestone=True, wbs="PRJ"),
            Task("B1", 8, name="Civilities", wbs="PRJ.CIVILITIES"),
        ),
    )


def apply(*rules):
    return apply_ranges(scenario(), parse_rules({"ranges": list(rules)}))


def test_rule_for_all_tasks():
    """A rule without selectors gives every task a range, in percent of its duration."""
    s, hits = apply({"min": 90, "max": 150})
    assert s.task("A100").duration == Triangular(9, 10, 15)
    assert s.task("MS1").duration.deterministic == 0.0  # milestones keep no range
    assert all(h.rule is not None for h in hits if h.task != "MS1")
    assert [(h.rule, h.kept) for h in hits if h.task == "MS1"] == [(None, "a milestone")]


def test_later_rules_override_and_selectors_combine():
    """Later rules win; a WBS prefix matches at a '.' boundary only; selectors AND."""
    s, hits = apply(
        {"min": 90, "max": 110},
        {"wbs": "PRJ.CIVIL", "min": 80, "mode": 100, "max": 200},
        {"wbs": "PRJ.CIVIL", "name": "*POUR*", "dist": "pert", "min": 95, "max": 130},
    )
    assert s.task("A100").duration == Triangular(8, 10, 20)
    assert s.task("A110").duration == Pert(19, 20, 26)
    assert s.task("B1").duration == Triangular(7.2, 8, 8.8)  # CIVILITIES is not CIVIL
    by_task = {h.task: h.rule.index for h in hits if h.rule}
    assert by_task == {"A100": 2, "A110": 3, "A200": 1, "B1": 1}


def test_id_glob_and_families():
    """Id globs select; uniform, trigen and fixed families are built as asked."""
    s, hits = apply(
        {"id": "A1*", "dist": "uniform", "min": 50, "max": 150},
        {"id": "A200", "dist": "trigen", "min": 75, "max": 150, "low_pct": 5},
        {"id": "A110", "dist": "fixed"},
    )
    assert s.task("A100").duration == Uniform(5, 15)
    assert s.task("A200").duration == Trigen(3, 4, 6, low_pct=5)
    assert s.task("A110").duration.deterministic == 20 and s.task("A110").duration.is_degenerate
    assert [h.rule for h in hits if h.task == "B1"] == [None]


def test_calendar_selector_uses_the_import():
    """A calendar selector matches the imported task's calendar id or name."""
    from pmo_sim.io.importers.common import CalendarInfo, ImportedSchedule, ImportedTask

    s = scenario()
    imported = ImportedSchedule(
        scenario=s,
        tasks=tuple(ImportedTask(t.id, calendar="c2" if t.id == "A200" else "c1") for t in s.tasks),
        format="XER",
        source="x",
        calendars={
            "c1": CalendarInfo("c1", "Std", "1111100", 8.0),
            "c2": CalendarInfo("c2", "Night", "1111100", 8.0),
        },
    )
    rules = parse_rules({"ranges": [{"calendar": "Night", "min": 50, "max": 200}]})
    out, _ = apply_ranges(s, rules, imported)
    assert out.task("A200").duration == Triangular(2, 4, 8)
    assert out.task("A100").duration.is_degenerate


def test_calendar_selector_matches_scenario_calendar_names():
    """A calendar selector also matches the calendar's name in the scenario (an imported
    name made unique with its id), and, without an import, the task's own calendar."""
    from dataclasses import replace

    from pmo_sim.io.importers.common import CalendarInfo, ImportedSchedule, ImportedTask

    s = scenario()
    imported = ImportedSchedule(
        scenario=s,
        tasks=tuple(ImportedTask(t.id, calendar="c2" if t.id == "A200" else "c1") for t in s.tasks),
        format="XER",
        source="x",
        calendars={
            "c1": CalendarInfo("c1", "Std", "1111100", 8.0),
            "c2": CalendarInfo("c2", "Night", "1111100", 8.0),
        },
        calendar_names={"c1": "", "c2": "Night (id c2)"},
    )
    rules = parse_rules({"ranges": [{"calendar": "Night (id c2)", "min": 50, "max": 200}]})
    out, _ = apply_ranges(s, rules, imported)
    assert out.task("A200").duration == Triangular(2, 4, 8)
    assert out.task("A100").duration.is_degenerate

    night = Scenario(
        project=replace(s.project, calendars=(("night", Calendar("all-days")),)),
        tasks=tuple(replace(t, calendar="night") if t.id == "A200" else t for t in s.tasks),
    )
    out, _ = apply_ranges(
        night, parse_rules({"ranges": [{"calendar": "night", "min": 50, "max": 200}]})
    )
    assert out.task("A200").duration == Triangular(2, 4, 8)
    assert out.task("A100").duration.is_degenerate


def test_bad_rules_are_all_reported():
    """Unknown keys, missing bounds, reversed ranges and unknown families are each named."""
    with pytest.raises(ScenarioError) as err:
        parse_rules(
            {
                "ranges": [
                    {"min": 90},
                    {"min": 120, "max": 110},
                    {"min": 90, "mode": 200, "max": 110},
                    {"dist": "gamma", "min": 1, "max": 2},
                    {"wbs": "X", "mni": 3, "max": 4},
                    {"min": -5, "max": 10},
                ]
            },
            "rules.toml",
        )
    message = str(err.value)
    assert "rules.toml: 6 problems found" in message
    assert "ranges[1]: 'max' is required" in message
    assert "ranges[2]: 'max' must be greater than 'min' (120)" in message
    assert "ranges[3]: 'mode' must be between" in message
    assert "ranges[4]: 'dist' must be one of" in message
    assert "ranges[5]: unknown key 'mni'" in message
    assert "ranges[6]: 'min' must be 0 or more" in message


def test_rules_file_needs_entries():
    """A rules file without [[ranges]] entries says what it needs."""
    with pytest.raises(ScenarioError, match=r"at least one \[\[ranges\]\] entry"):
        parse_rules({})


def test_complete_tasks_keep_no_range_and_say_why():
    """A rule that selects a complete task leaves it as it is, and the report says it is
    complete rather than naming the rule."""
    s = scenario()
    done = Scenario(
        Project(s.project.name, s.project.start, data_date=dt.date(2027, 3, 1)),
        tuple(
            replace(
                t,
                status="complete",
                actual_start=s.project.start,
                actual_finish=dt.date(2027, 1, 15),
            )
            if t.id == "A100"
            else t
            for t in s.tasks
        ),
    )
    out, hits = apply_ranges(done, parse_rules({"ranges": [{"min": 90, "max": 150}]}))
    assert out.task("A100").duration == done.task("A100").duration
    assert [(h.rule, h.kept) for h in hits if h.task == "A100"] == [(None, "complete")]


def test_calendar_selector_sees_the_files_calendar_before_narrowing():
    """MS Project narrows a task's calendar to the days its resources work; a rule naming
    the calendar the file gives the task still selects it."""
    from pmo_sim.io.importers.common import CalendarInfo, ImportedSchedule, ImportedTask

    s = scenario()
    imported = ImportedSchedule(
        scenario=s,
        tasks=tuple(
            ImportedTask(t.id, calendar="c1", file_calendar="c4" if t.id == "A200" else "")
            for t in s.tasks
        ),
        format="MSPDI",
        source="x.xml",
        calendars={
            "c1": CalendarInfo("c1", "Standard", "1111100", 8.0),
            "c4": CalendarInfo("c4", "6 Day Working Week", "1111110", 8.0),
        },
    )
    rules = parse_rules({"ranges": [{"calendar": "6 Day Working Week", "min": 50, "max": 200}]})
    _, hits = apply_ranges(s, rules, imported)
    assert [h.task for h in hits if h.rule] == ["A200"]


def test_a_range_that_reaches_beyond_any_schedule_names_rule_and_task():
    """A maximum of 1e7 % turns a 20-day task into one of up to 2,000,000 days: refused
    with the rule and the task, like any other bad range."""
    with pytest.raises(ScenarioError) as err:
        apply({"id": "A110", "min": 90, "max": 1e7})
    assert "task 'A110': 'duration' must be at most 100,000 working days" in str(err.value)


def estimated() -> Scenario:
    """A task table's scenario: one task with its own three-point estimate, one without."""
    return Scenario(
        Project("p", dt.date(2027, 1, 4)),
        (
            Task("E1", Triangular(8, 10, 15), name="Estimated"),
            Task("S1", 10, name="Single point"),
        ),
    )


def test_a_rule_keeps_a_tasks_own_three_point_estimate():
    """Without override, a matching rule leaves a task's own range and says it matched."""
    s, hits = apply_ranges(estimated(), parse_rules({"ranges": [{"min": 90, "max": 150}]}))
    assert s.task("E1").duration == Triangular(8, 10, 15)
    assert s.task("S1").duration == Triangular(9, 10, 15)
    own, single = hits
    assert (own.task, own.rule, own.kept, own.matched.index) == ("E1", None, "its own estimate", 1)
    assert own.duration == Triangular(8, 10, 15)
    assert own.source == (
        "ranges[1] (all tasks) matched, but the task's own estimate was kept "
        "(override = true replaces it)"
    )
    assert (single.rule.index, single.source) == (1, "ranges[1] (all tasks)")


def test_override_true_replaces_a_tasks_own_estimate():
    """override = true gives the rule's range on the own estimate's most likely value."""
    rules = parse_rules(
        {"ranges": [{"min": 90, "max": 150}, {"id": "E1", "min": 50, "max": 200, "override": True}]}
    )
    s, hits = apply_ranges(estimated(), rules)
    assert s.task("E1").duration == Triangular(5, 10, 20)
    assert [(h.task, h.rule.index, h.source) for h in hits] == [
        ("E1", 2, "ranges[2] (id 'E1')"),
        ("S1", 1, "ranges[1] (all tasks)"),
    ]


def test_override_must_be_true_or_false():
    """A non-boolean override is refused with the rule and the house wording."""
    with pytest.raises(ScenarioError) as err:
        parse_rules({"ranges": [{"min": 90, "max": 150, "override": "yes"}]})
    assert [str(p) for p in err.value.problems] == [
        "ranges[1]: 'override' must be true or false (got 'yes')"
    ]
