"""The scenario model: frozen value objects, their validation, cross-checks, health warnings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import re

import pytest

import pmo_sim
from pmo_sim import (
    Calendar,
    Correlation,
    Fixed,
    Impact,
    Link,
    Mitigation,
    Normal,
    Project,
    Risk,
    Scenario,
    ScenarioError,
    SimulationSettings,
    Task,
    TaskCost,
    Triangular,
    Uniform,
    health_warnings,
)

START = dt.date(2027, 1, 4)
PROJECT = Project(name="Demo", start=START)


def office_move() -> Scenario:
    """The issue's example scenario, built in Python instead of read from a file."""
    return Scenario(
        project=Project(
            name="Office move",
            start=START,
            calendar=Calendar("mon-fri", (dt.date(2027, 4, 2),)),
            deadline=dt.date(2027, 9, 30),
            budget=1_250_000,
            currency="EUR",
        ),
        tasks=(
            Task("design", Triangular(20, 30, 60), name="Design", cost=TaskCost(10_000, 800)),
            Task(
                "build",
                {"dist": "pert", "min": 30, "mode": 40, "max": 65},
                predecessors=("design", Link("permit", "SS", 5)),
            ),
            Task("permit", 12),
        ),
        risks=(
            Risk(
                "R1",
                0.3,
                (
                    Impact(("permit",), delay=Triangular(5, 10, 20)),
                    Impact(("build",), factor=Uniform(1.05, 1.2)),
                ),
                name="Permit appeal",
                cost=Triangular(10_000, 20_000, 50_000),
                mitigated=Mitigation(probability=0.1, response_cost=5000),
            ),
        ),
        correlations=(Correlation(0.6, tasks=("design", "build")),),
        simulation=SimulationSettings(10_000, 7, "lhs"),
    )


def test_scenario_built_in_python_schedules():
    """A Scenario built from Python objects (no file) runs through the deterministic CPM."""
    plan = pmo_sim.schedule(office_move())
    # design 0..30 (mode), permit 0..12, build starts at max(30 [FS], 0 + 5 [SS]) = 30
    # and ends at 30 + 40 = 70.
    assert plan.finish == 70.0
    assert plan.early_start.tolist() == [0.0, 30.0, 0.0]
    assert plan.finish_date == dt.date(2027, 4, 12)


def test_python_scenario_equals_the_file_scenario():
    """The issue example read from its file equals the same scenario built in Python."""
    from .conftest import DATA

    loaded = pmo_sim.load(DATA / "issue_example.toml")
    built = office_move()
    assert dataclasses.replace(loaded, source=None) == built


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        (Link("a"), "lag"),
        (Task("a", 1), "duration"),
        (Triangular(1, 2, 3), "mode"),
        (Fixed(1), "value"),
        (PROJECT, "start"),
        (Impact(("a",), delay=1), "tasks"),
        (Risk("r", 0.5, cost=1), "probability"),
        (Correlation(0.5, tasks=("a", "b")), "coefficient"),
        (SimulationSettings(), "seed"),
        (TaskCost(), "per_day"),
        (Scenario(PROJECT, (Task("a", 1),)), "tasks"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else v,
)
def test_value_objects_are_frozen(obj, field):
    """Assigning to a field of a model object raises FrozenInstanceError."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, field, 0)


def test_link_defaults_and_normalisation():
    """A link defaults to FS without lag; its type is upper-cased and its lag is a float."""
    assert (Link("a").type, Link("a").lag) == ("FS", 0.0)
    link = Link("a", "ss", 2)
    assert (link.type, link.lag) == ("SS", 2.0)
    assert isinstance(link.lag, float)


def test_task_reads_numbers_ids_and_milestones():
    """A number is a fixed duration, a bare id an FS link, and a milestone defaults to 0 days."""
    t = Task("b", 4, predecessors=("a",))
    assert t.duration == Fixed(4.0)
    assert t.predecessors == (Link("a", "FS", 0.0),)
    assert t.name == "b"  # the name defaults to the id
    assert Task("m", milestone=True).duration == Fixed(0.0)


@pytest.mark.parametrize(
    ("make", "exc", "phrase"),
    [
        (lambda: Link("a", "XX"), ValueError, "'type' must be one of FS, SS, FF, SF (got 'XX')"),
        (lambda: Link("a", lag="2"), TypeError, "'lag' must be a number (got '2')"),
        (lambda: Link("a", lag=float("nan")), ValueError, "'lag' must be a finite number"),
        (lambda: Task(3, 1), TypeError, "'id' must be a string (got 3)"),
        (lambda: Task(" ", 1), ValueError, "'id' must be a non-empty string (got ' ')"),
        (lambda: Task("a"), ValueError, "'duration' is required"),
        (lambda: Task("a", -2), ValueError, "'duration' must be non-negative"),
        (lambda: Task("a", Normal(1, 2, min=-3)), ValueError, "'duration' must be non-negative"),
        (lambda: Task("a", 1, predecessors=(3,)), TypeError, "'predecessors[1]' must be a task id"),
        (lambda: Task("a", 1, predecessors="b"), TypeError, "'predecessors' must be a list"),
        (
            lambda: Task("a", 1, milestone="yes"),
            TypeError,
            '\'milestone\' must be true, false, "start" or "finish"',
        ),
        (lambda: Task("a", {"dist": "uniform", "min": 2, "max": 1}), ValueError, "duration: 'max'"),
        (lambda: Impact(()), ValueError, "'tasks' must be a non-empty list of task ids (got [])"),
        (lambda: Impact(("a",)), ValueError, "an impact needs a 'delay'"),
        (lambda: Impact(("a",), factor=0), ValueError, "'factor' must be greater than 0"),
        (
            lambda: Impact(("a",), factor=Uniform(-0.5, 1.5)),
            ValueError,
            "'factor' must be greater than 0 over its whole range (got 'uniform(-0.5, 1.5)')",
        ),
        (lambda: Risk("r", 1.5, cost=1), ValueError, "'probability' must be between 0 and 1"),
        (lambda: Risk("r", -0.1, cost=1), ValueError, "(got -0.1)"),
        (
            lambda: Risk("r", 0.5),
            ValueError,
            "a risk needs 'impacts' on tasks, a 'cost', tasks it 'adds', or more",
        ),
        (
            lambda: Risk("r", 0.5, (Impact(("a",), delay=-2),), type="threat"),
            ValueError,
            "'type' must be consistent with its impacts (a delay >= 0 or a factor >= 1",
        ),
        (lambda: Mitigation(probability=2), ValueError, "'probability' must be between 0 and 1"),
        (lambda: Mitigation(response_cost=-1), ValueError, "'response_cost' must be 0 or more"),
        (lambda: Correlation(1.2, tasks=("a", "b")), ValueError, "'coefficient' must be between"),
        (lambda: Correlation(-1.01, tasks=("a", "b")), ValueError, "(got -1.01)"),
        (lambda: Correlation(0.5, tasks=("a",)), ValueError, "'tasks' must be a list of at least"),
        (lambda: Correlation(0.5, risks=("r",)), ValueError, "'risks' must be a list of at least"),
        (lambda: Correlation(0.5), ValueError, "'tasks' must be a list of at least two ids"),
        (lambda: Correlation(0.5, ("a", "a")), ValueError, "'tasks' must be without repeated ids"),
        (
            lambda: Correlation(0.5, ("a", "b"), ("r", "s")),
            ValueError,
            "one of 'tasks', 'risks' or 'resources', not 'tasks' and 'risks'",
        ),
        (lambda: Project("x", "2027-13-01"), ValueError, "'start' must be a date like 2027-01-04"),
        (
            lambda: Project("x", START, deadline=dt.date(2026, 1, 1)),
            ValueError,
            "'deadline' must be on or after 'start' (2027-01-04)",
        ),
        (lambda: Project("x", START, budget=-1), ValueError, "'budget' must be 0 or more"),
        (lambda: SimulationSettings(0), ValueError, "'iterations' must be at least 1 (got 0)"),
        (lambda: SimulationSettings(10.5), TypeError, "'iterations' must be a whole number"),
        (lambda: SimulationSettings(seed=True), TypeError, "'seed' must be a whole number"),
        (lambda: SimulationSettings(sampling="sobol"), ValueError, "'sampling' must be \"lhs\""),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_constructors_refuse_bad_fields(make, exc, phrase):
    """Each model object refuses a bad field with TypeError/ValueError in the house wording."""
    with pytest.raises(exc) as info:
        make()
    assert phrase in str(info.value)


def test_risk_type_is_inferred_from_its_impacts():
    """A risk whose impacts can only shorten work is an opportunity; otherwise a threat."""
    assert Risk("r", 0.5, (Impact(("a",), delay=-2),)).type == "opportunity"
    assert Risk("r", 0.5, (Impact(("a",), factor=Uniform(0.8, 0.9)),)).type == "opportunity"
    assert Risk("r", 0.5, (Impact(("a",), delay=2),)).type == "threat"
    assert Risk("r", 0.5, cost=100).type == "threat"


def test_mitigated_scenario_swaps_in_the_mitigated_risk():
    """``Scenario.mitigated()`` replaces each risk by its post-mitigation state."""
    s = office_move()
    assert s.has_mitigations
    after = s.mitigated()
    assert after.risks[0].probability == 0.1
    assert after.risks[0].impacts == s.risks[0].impacts  # None keeps the original
    assert after.tasks == s.tasks


def test_scenario_reports_every_reference_problem_at_once():
    """Duplicate ids, self-links and unknown ids all appear in one ScenarioError."""
    with pytest.raises(ScenarioError) as info:
        Scenario(
            PROJECT,
            (
                Task("a", 1, predecessors=("a",)),
                Task("b", 1, predecessors=("zz",)),
                Task("b", 2),
            ),
            risks=(Risk("R", 0.5, (Impact(("q",), delay=2),)),),
            correlations=(Correlation(0.5, tasks=("a", "x")),),
        )
    found = {(p.where, p.message) for p in info.value.problems}
    assert found == {
        (
            "tasks[3] (id 'b')",
            "duplicate task id 'b' (first used by tasks[2]); give every task its own id",
        ),
        ("tasks[1] (id 'a').predecessors[1]", "a task cannot be its own predecessor"),
        ("tasks[2] (id 'b').predecessors[1]", "unknown task id 'zz': no task has that id"),
        ("risks[1] (id 'R').impacts[1].tasks[1]", "unknown task id 'q': no task has that id"),
        ("correlations[1].tasks[2]", "unknown task id 'x': no task has that id"),
    }
    assert str(info.value).startswith("5 problems found:")
    assert isinstance(info.value, ValueError)


def test_cycle_is_reported_with_its_tasks():
    """A cycle raises ScenarioError naming every task on it, in link order."""
    links = {"a": "c", "b": "a", "c": "b"}  # c -> a -> b -> c
    with pytest.raises(ScenarioError) as info:
        Scenario(
            PROJECT,
            (*(Task(t, 1, predecessors=(p,)) for t, p in links.items()), Task("d", 1)),
        )
    text = str(info.value)
    assert "the logic has a cycle" in text
    m = re.search(r"cycle: ([a-z ->]+);", text)
    path = m.group(1).split(" -> ")
    assert path[0] == path[-1] and sorted(path[:-1]) == ["a", "b", "c"]
    for before, after in itertools.pairwise(path):
        assert links[after] == before, f"{before} -> {after} is not a link"


def test_unknown_risk_and_correlation_ids_are_reported():
    """Correlations over risks check the risk ids."""
    with pytest.raises(ScenarioError, match=r"correlations\[1\]\.risks\[2\]: unknown risk id 'Q'"):
        Scenario(
            PROJECT,
            (Task("a", 1),),
            risks=(Risk("R", 0.5, cost=1),),
            correlations=(Correlation(0.5, risks=("R", "Q")),),
        )


def test_empty_scenario_is_refused():
    """A scenario without tasks is an error that says to add one."""
    with pytest.raises(ScenarioError, match="the scenario has no tasks"):
        Scenario(PROJECT, ())


def test_task_lookup():
    """``Scenario.task`` finds a task by id and raises KeyError for an unknown one."""
    s = office_move()
    assert s.task("permit").duration == Fixed(12.0)
    assert s.task_ids == ("design", "build", "permit")
    with pytest.raises(KeyError):
        s.task("nope")


# --- schedule health ------------------------------------------------------------------


def _tri() -> Triangular:
    return Triangular(1, 2, 4)


def test_clean_chain_has_no_health_warnings():
    """A chain with ranged estimates, no leads and single start and finish warns of nothing."""
    s = Scenario(
        PROJECT,
        (
            Task("start", milestone=True),
            Task("a", _tri(), predecessors=("start",)),
            Task("b", _tri(), predecessors=(Link("a", "SS", 1),)),
            Task("c", _tri(), predecessors=("a", "b")),
            Task("end", milestone=True, predecessors=("c",)),
        ),
    )
    assert health_warnings(s) == []


def test_open_ends_are_reported():
    """Tasks without predecessor or successor, other than start and finish, are open ends."""
    s = Scenario(
        PROJECT,
        (
            Task("a", _tri()),
            Task("b", _tri()),  # no predecessor, no successor
            Task("c", _tri(), predecessors=("a",)),
            Task("d", _tri()),  # no predecessor
            Task("e", _tri(), predecessors=("d", "c")),
        ),
    )
    messages = [str(p) for p in health_warnings(s)]
    assert len(messages) == 2
    assert "2 task(s) besides the start 'a' have no predecessor: b, d" in messages[0]
    assert "1 task(s) besides the finish 'e' have no successor: b" in messages[1]


def test_negative_lag_is_reported():
    """A lead (negative lag) is reported with its place and size."""
    s = Scenario(PROJECT, (Task("a", _tri()), Task("b", _tri(), predecessors=(Link("a", lag=-2),))))
    assert [str(p) for p in health_warnings(s)] == [
        "tasks[2] (id 'b').predecessors[1]: negative lag (lead) of -2 days from 'a'; "
        "leads hide logic, consider splitting the predecessor"
    ]


def test_zero_range_estimate_is_reported_but_not_for_milestones():
    """A fixed non-zero duration is reported as adding no uncertainty; a milestone is not."""
    s = Scenario(
        PROJECT,
        (
            Task("m", milestone=True),
            Task("a", 5, predecessors=("m",)),
            Task("z", 0, predecessors=("a",)),
        ),
    )
    assert [str(p) for p in health_warnings(s)] == [
        "tasks[2] (id 'a'): the duration estimate has no range, so this task adds no uncertainty"
    ]


def test_long_lists_of_findings_are_one_warning_each():
    """An imported plan of hundreds of fixed estimates, leads and open ends gives one line
    per kind (a count, ten ids, how many more), never one line per task: here 40 chains
    of fixed tasks, each after a lead from the first."""
    tasks = [Task("t0", 5)]
    tasks += [Task(f"t{k}", 5, predecessors=(Link("t0", lag=-1),)) for k in range(1, 40)]
    messages = [str(p) for p in health_warnings(Scenario(PROJECT, tuple(tasks)))]
    assert len(messages) == 3, messages
    assert messages[0].startswith("tasks: 38 task(s) besides the finish 't39' have no successor")
    assert messages[0].endswith(
        "t10 and 28 more; a delay to them would not show in the finish date"
    )
    assert messages[1] == (
        "tasks: 39 links have a negative lag (a lead), which hides logic (consider "
        "splitting the predecessors): "
        + ", ".join(f"t{k} (from t0, -1 d)" for k in range(1, 11))
        + " and 29 more"
    )
    assert messages[2].startswith(
        "tasks: 40 tasks have a duration estimate with no range, so they add no uncertainty: "
        "t0, t1, t2, t3, t4, t5, t6, t7, t8, t9 and 30 more; give them ranges"
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: Task("a", 200_000),
        lambda: Task("a", Triangular(1, 2, 1e300)),
        lambda: Link("a", lag=-150_000),
        lambda: Impact(("a",), delay=Uniform(0, 2e5)),
    ],
)
def test_durations_lags_and_delays_beyond_any_schedule_are_refused(make):
    """Beyond 100,000 working days (about 380 years) dates leave the calendar's range; a
    value there is a mistyped unit, said so rather than scheduled into year 10**16."""
    with pytest.raises(ValueError, match="must be at most 100,000 working days: it reaches"):
        make()


def test_the_largest_schedulable_values_are_accepted():
    assert Task("a", Triangular(1, 2, 100_000)).duration.support[1] == 100_000
    assert Link("a", lag=-100_000).lag == -100_000


def test_unbounded_tails_are_judged_by_their_typical_value():
    """A normal's infinite tails are no reason to refuse it (a delay may be negative, as
    the Normal docstring suggests); its mean beyond the limit is."""
    impact = Impact(("a",), delay=Normal(0, 2, min=-math.inf))
    assert impact.delay.support == (-math.inf, math.inf)
    with pytest.raises(ValueError, match="at most 100,000 working days: it reaches 1e"):
        Task("a", Normal(1e7, 10))


def test_a_negative_range_says_non_negative_before_too_long():
    with pytest.raises(ValueError, match="non-negative"):
        Task("a", Triangular(-2e5, 1, 2))


def test_with_task_returns_a_new_scenario_with_that_task_changed():
    """with_task replaces the named fields of one task; the original scenario is unchanged."""
    s = office_move()
    changed = s.with_task("permit", duration=Triangular(10, 12, 30), name="Planning permit")
    assert changed is not s and isinstance(changed, Scenario)
    assert changed.task("permit").duration == Triangular(10, 12, 30)
    assert changed.task("permit").name == "Planning permit"
    assert s.task("permit") == Task("permit", 12)
    # Everything else is carried over as it was.
    assert changed.task_ids == s.task_ids
    assert [t for t in changed.tasks if t.id != "permit"] == [
        t for t in s.tasks if t.id != "permit"
    ]
    assert (changed.project, changed.risks, changed.correlations, changed.simulation) == (
        s.project,
        s.risks,
        s.correlations,
        s.simulation,
    )
    assert pmo_sim.schedule(changed).finish == pmo_sim.schedule(s).finish
    assert s.with_task("design", duration=50).task("design").duration == Fixed(50)


def test_with_task_refuses_an_unknown_task_id_naming_close_matches():
    """An id no task has raises KeyError with the id and the ids it may have meant."""
    with pytest.raises(KeyError) as info:
        office_move().with_task("permt", duration=3)
    assert info.value.args[0] == "no task with id 'permt'; did you mean 'permit'?"
    with pytest.raises(KeyError) as info:
        office_move().with_task("zzz", duration=3)
    assert info.value.args[0] == "no task with id 'zzz'"


def test_with_task_refuses_a_field_a_task_does_not_have():
    """A keyword that is not a Task field raises TypeError naming it and the fields."""
    with pytest.raises(TypeError) as info:
        office_move().with_task("permit", durration=3)
    message = str(info.value)
    assert message.startswith("Task has no field 'durration' (did you mean 'duration'?); ")
    assert "its fields are: id, duration, name, predecessors, cost, milestone" in message


def test_with_task_validates_the_changed_task_and_scenario():
    """A bad value names the task; a broken reference is a ScenarioError with its place."""
    with pytest.raises(ValueError) as info:
        office_move().with_task("permit", duration=-3)
    assert str(info.value) == (
        "task 'permit': 'duration' must be non-negative: its distribution reaches -3 "
        "working days (got -3.0)"
    )
    with pytest.raises(TypeError) as info:
        office_move().with_task("permit", milestone="yes")
    assert str(info.value) == (
        "task 'permit': 'milestone' must be true, false, \"start\" or \"finish\" (got 'yes')"
    )
    with pytest.raises(ScenarioError) as info:
        office_move().with_task("permit", predecessors=("build",))
    assert [str(p) for p in info.value.problems] == [
        "tasks: the logic has a cycle: build -> permit -> build; remove or reverse one of "
        "these links"
    ]


def test_a_mandatory_date_before_the_project_start_is_refused():
    """A hard date overrides the logic: before the start it would date work before the
    project, so it is refused naming the task and the start."""
    with pytest.raises(
        pmo_sim.ScenarioError,
        match=r"'mandatory_start' must be on or after the project start \(2027-01-04\)",
    ):
        pmo_sim.Scenario(
            pmo_sim.Project(name="m", start=dt.date(2027, 1, 4)),
            (pmo_sim.Task("a", 3, mandatory_start=dt.date(2026, 12, 21)),),
        )
