"""No-later-than constraints, deadlines, hard dates in the backward pass, constraints
that override the logic (MS Project's "honor constraint dates") and "as late as
possible" by total float (MS Project's rule).

Each rule is checked on a hand-worked case and, on random networks with every
constraint type, against ``tests/naive_constraints.py`` (a fixpoint CPM that shares no
code with pmo-sim)."""

from __future__ import annotations

import datetime as dt
import tomllib

import numpy as np
import pytest

from pmo_sim import simulate
from pmo_sim.io.scenario_file import parse_scenario
from pmo_sim.io.toml_writer import dumps
from pmo_sim.model.errors import ScenarioError
from pmo_sim.model.scenario import Project, Scenario
from pmo_sim.model.tasks import Link, Task
from pmo_sim.scheduling.cpm import schedule

from .naive import MON_FRI, working_days
from .naive_constraints import naive_constrained_cpm

START = dt.date(2027, 1, 4)  # a Monday
DAYS = working_days(START, 400, MON_FRI)


def day(k: int) -> dt.date:
    """The k-th working day (Mon-Fri) from the start: offset k in the morning, k + 1 at
    its end."""
    return DAYS[k]


def project(**options) -> Project:
    return Project(name="constraints", start=START, **options)


def chain(**b_options) -> Scenario:
    """a (5 d) -> b (3 d) -> c (2 d); b carries the constraint."""
    return Scenario(
        project=project(),
        tasks=(
            Task("a", duration=5),
            Task("b", duration=3, predecessors=("a",), **b_options),
            Task("c", duration=2, predecessors=("b",)),
        ),
    )


def with_options(s: Scenario, **options) -> Scenario:
    from dataclasses import replace

    return replace(s, project=replace(s.project, **options))


def offsets(plan, name: str) -> list[float]:
    return [float(x) for x in getattr(plan, name)]


# --------------------------------------------------------------------- hand-worked cases


def test_start_no_later_than_bounds_late_dates_only_by_default() -> None:
    """b may start on day 5 (after a); a start no later than day 2 leaves its early
    dates there and gives it -3 days of float, passed back to a (P6's rule)."""
    plan = schedule(chain(start_no_later_than=day(2)))
    assert offsets(plan, "early_start") == [0, 5, 8]
    assert offsets(plan, "late_start") == [-3, 2, 8]
    assert offsets(plan, "total_float") == [-3, -3, 0]


def test_finish_no_later_than_and_deadline_bound_the_late_finish() -> None:
    for key in ("finish_no_later_than", "deadline"):
        plan = schedule(chain(**{key: day(6)}))  # by the end of day 6: offset 7
        assert offsets(plan, "early_finish") == [5, 8, 10], key
        assert offsets(plan, "late_finish") == [4, 7, 10], key
        assert offsets(plan, "total_float") == [-1, -1, 0], key


def test_constraints_override_logic_pulls_the_task_back() -> None:
    """With constraints overriding the logic, b starts on day 2, before a finishes,
    and c follows it: the project finishes 3 days sooner."""
    s = with_options(chain(start_no_later_than=day(2)), constraints_override_logic=True)
    plan = schedule(s)
    assert offsets(plan, "early_start") == [0, 2, 5]
    assert offsets(plan, "early_finish") == [5, 5, 7]
    assert plan.finish == 7.0
    # a still has to finish by b's late start: its float shows the violated link.
    assert offsets(plan, "total_float") == [-3, 0, 0]
    fnlt = with_options(chain(finish_no_later_than=day(5)), constraints_override_logic=True)
    assert offsets(schedule(fnlt), "early_finish") == [5, 6, 8]


def test_a_deadline_never_moves_early_dates() -> None:
    s = with_options(chain(deadline=day(2)), constraints_override_logic=True)
    assert offsets(schedule(s), "early_start") == [0, 5, 8]


def test_a_constraint_that_does_not_bind_changes_nothing() -> None:
    loose = with_options(chain(start_no_later_than=day(30)), constraints_override_logic=True)
    plain = schedule(chain())
    plan = schedule(loose)
    assert offsets(plan, "early_start") == offsets(plain, "early_start")
    assert offsets(plan, "total_float") == [0, 0, 0]  # the project finish binds first


def test_override_never_goes_before_the_data_date() -> None:
    s = Scenario(
        project=project(data_date=day(5), constraints_override_logic=True),
        tasks=(
            Task("a", duration=5, status="complete", actual_start=day(0), actual_finish=day(4)),
            Task("b", duration=3, predecessors=("a",), start_no_later_than=day(1)),
        ),
    )
    assert offsets(schedule(s), "early_start")[1] == 5.0  # the data date's morning: day 5


def test_a_hard_date_gives_its_predecessors_float_from_it() -> None:
    """A mandatory finish on day 6 fixes b whatever a says (a finishes on day 5); a's
    late finish comes from b's hard date: -1 day of float, as P6 and MS Project show
    it; b's own late dates are its date."""
    plan = schedule(chain(mandatory_finish=day(6)))
    assert offsets(plan, "early_start") == [0, 4, 7]
    assert offsets(plan, "late_finish") == [4, 7, 9]
    assert offsets(plan, "total_float") == [-1, 0, 0]


def test_as_late_as_possible_by_total_float() -> None:
    """e (1 d, ALAP) -> f (2 d), beside a 10-day task: by free float (P6) e stays on
    day 0, f having no room; by total float (MS Project) e moves to its late start,
    day 7, and f follows it. The project finish is the same."""
    s = Scenario(
        project=project(),
        tasks=(
            Task("long", duration=10),
            Task("e", duration=1, as_late_as_possible=True),
            Task("f", duration=2, predecessors=("e",)),
        ),
    )
    free = schedule(s)
    assert offsets(free, "early_start") == [0, 0, 1]
    total = schedule(with_options(s, alap_float="total"))
    assert offsets(total, "early_start") == [0, 7, 8]
    assert total.finish == free.finish == 10.0
    # e keeps the float it has as soon as possible (as MS Project reports it); f none.
    assert offsets(total, "total_float") == [0, 7, 0]
    asap = schedule(with_options(s, alap_float="total"), as_late=False)
    assert offsets(asap, "early_start") == [0, 0, 1]


def test_as_late_as_possible_with_negative_float_sits_at_its_late_start() -> None:
    """MS Project puts an ALAP task at its late start even where negative float makes
    that earlier than its logic allows (here a successor's no-later-than)."""
    s = Scenario(
        project=project(alap_float="total"),
        tasks=(
            Task("a", duration=4),
            Task("e", duration=2, predecessors=("a",), as_late_as_possible=True),
            Task("f", duration=1, predecessors=("e",), start_no_later_than=day(5)),
        ),
    )
    plan = schedule(s)
    assert offsets(plan, "late_start") == [-1, 3, 5]
    assert offsets(plan, "early_start") == [0, 3, 5]


# ------------------------------------------------------------------- the naive reference

KINDS = ("snet", "fnet", "snlt", "fnlt", "deadline", "ms", "mf", "alap")
FIELD = {
    "snet": "start_no_earlier_than",
    "fnet": "finish_no_earlier_than",
    "snlt": "start_no_later_than",
    "fnlt": "finish_no_later_than",
    "deadline": "deadline",
    "ms": "mandatory_start",
    "mf": "mandatory_finish",
}


def random_case(seed: int, n: int = 40) -> tuple[Scenario, dict, list, dict]:
    """A random network with every link type, leads and lags, milestones, and a
    constraint on about a third of the tasks, dated near its unconstrained dates."""
    rng = np.random.default_rng(seed)
    ids = [f"t{i}" for i in range(n)]
    durations = {t: float(rng.integers(0, 7)) for t in ids}
    links = []
    for j in range(1, n):
        for i in rng.choice(j, size=min(j, int(rng.integers(1, 4))), replace=False):
            kind = str(rng.choice(["FS", "FS", "SS", "FF", "SF"]))
            links.append((ids[i], ids[j], kind, float(rng.integers(-2, 4))))
    base = naive_constrained_cpm(durations, links, {})
    cons: dict[str, dict] = {}
    fields: dict[str, dict] = {t: {} for t in ids}
    for t in ids:
        if rng.random() > 0.35:
            continue
        kind = str(rng.choice(KINDS))
        if kind == "alap":
            cons[t] = {"alap": True}
            fields[t]["as_late_as_possible"] = True
            continue
        near = (
            base.early_finish[t]
            if kind in ("fnet", "fnlt", "deadline", "mf")
            else (base.early_start[t])
        )
        k = max(
            0,
            int(near)
            + int(rng.integers(-3, 6))
            - (1 if kind in ("fnet", "fnlt", "deadline", "mf") else 0),
        )
        finish = kind in ("fnet", "fnlt", "deadline", "mf")
        cons[t] = {kind: float(k + 1 if finish else k)}
        fields[t][FIELD[kind]] = day(k)
    preds: dict[str, list] = {t: [] for t in ids}
    for p, q, kind, lag in links:
        preds[q].append(Link(p, kind, lag))
    tasks = tuple(
        Task(t, duration=durations[t], predecessors=tuple(preds[t]), **fields[t]) for t in ids
    )
    return Scenario(project=project(), tasks=tasks), durations, links, cons


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("rule", ["P6", "MS Project"])
def test_every_constraint_type_against_the_naive_reference(seed: int, rule: str) -> None:
    s, durations, links, cons = random_case(seed)
    ms = rule == "MS Project"
    if ms:
        s = with_options(s, constraints_override_logic=True, alap_float="total")
    plan = schedule(s, as_late=ms)  # P6's free-float ALAP is checked elsewhere
    ref = naive_constrained_cpm(durations, links, cons, override=ms, alap_total=ms)
    ids = [t.id for t in s.tasks]
    for name in ("early_start", "early_finish", "late_start", "late_finish", "total_float"):
        ours = getattr(plan, name)
        theirs = np.array([getattr(ref, name)[t] for t in ids])
        bad = [(ids[i], ours[i], theirs[i]) for i in np.flatnonzero(np.abs(ours - theirs) > 1e-9)]
        assert not bad, f"{name}: (task, pmo-sim, reference) {bad[:8]}"
    assert plan.finish == pytest.approx(ref.finish, abs=1e-12)


# ------------------------------------------------------------------ iterations and files


def test_iterations_honour_an_overriding_constraint() -> None:
    """A start no later than caps the start in every iteration where constraints
    override the logic, so the finish milestone after it never slips past the cap
    plus its duration; without the override it follows its uncertain predecessor."""
    tasks = (
        Task("a", duration={"dist": "triangular", "min": 3, "mode": 5, "max": 12}),
        Task("b", duration=3, predecessors=("a",), start_no_later_than=day(6)),
        Task("done", milestone=True, predecessors=("b",)),
    )
    s = Scenario(project=project(constraints_override_logic=True), tasks=tasks)
    capped = simulate(s, iterations=2000, seed=3)
    free = simulate(with_options(s, constraints_override_logic=False), iterations=2000, seed=3)
    cap = 9.0  # b starts by day 6's morning and works days 6, 7 and 8
    assert capped.milestone("done").max() <= cap
    assert free.milestone("done").max() > cap
    # The cap binds only where a runs late: elsewhere the iterations are the same.
    early = free.milestone("done") <= cap
    assert early.any()
    assert np.array_equal(capped.milestone("done")[early], free.milestone("done")[early])


def test_scenario_file_round_trip_and_errors() -> None:
    s = with_options(
        chain(start_no_later_than=day(2), deadline=day(9)),
        constraints_override_logic=True,
        alap_float="total",
    )
    text = dumps(s)
    assert "constraints_override_logic = true" in text
    assert 'alap_float = "total"' in text
    assert "start_no_later_than = 2027-01-06" in text
    back = parse_scenario(tomllib.loads(text))
    assert back.project == s.project
    assert back.tasks == s.tasks
    bad = text.replace('alap_float = "total"', 'alap_float = "both"')
    with pytest.raises(ScenarioError, match="alap_float"):
        parse_scenario(tomllib.loads(bad))


def test_total_float_alap_with_a_deadline_it_cannot_meet() -> None:
    """a (5) -> b (5, ALAP, deadline end of day 6) -> c (5): b's late start is day 2,
    before a finishes; MS Project's rule puts b there (its deadline moves it), c follows,
    and the finish comes in to day 12. Late dates stay the first pass's; the floats are
    counted against them (a review's case, checked against the naive reference)."""
    s = Scenario(
        project=project(alap_float="total"),
        tasks=(
            Task("a", duration=5),
            Task("b", duration=5, predecessors=("a",), as_late_as_possible=True, deadline=day(6)),
            Task("c", duration=5, predecessors=("b",)),
        ),
    )
    plan = schedule(s)
    ref = naive_constrained_cpm(
        {"a": 5.0, "b": 5.0, "c": 5.0},
        [("a", "b", "FS", 0.0), ("b", "c", "FS", 0.0)],
        {"b": {"alap": True, "deadline": 7.0}},
        alap_total=True,
    )
    assert offsets(plan, "early_start") == [0, 2, 7] == [ref.early_start[t] for t in "abc"]
    assert offsets(plan, "late_finish") == [2, 7, 15] == [ref.late_finish[t] for t in "abc"]
    assert offsets(plan, "total_float") == [-3, -3, 3] == [ref.total_float[t] for t in "abc"]
    assert plan.finish == ref.finish == 12.0
    # P6's rule (free float) and as soon as possible leave every early date alone.
    free = schedule(with_options(s, alap_float="free"))
    assert offsets(free, "early_start") == [0, 5, 10]


def test_simulation_criticality_counts_paths_to_the_finish_only() -> None:
    """A deadline or a finish no later than on a side branch makes it critical in the
    deterministic schedule (negative float, as P6 shows it), never in the simulation's
    criticality index, which counts paths to the project finish (a review's case)."""
    for key in ("deadline", "finish_no_later_than"):
        s = Scenario(
            project=project(),
            tasks=(
                Task("long", duration={"dist": "triangular", "min": 18, "mode": 20, "max": 25}),
                Task("side", duration={"dist": "triangular", "min": 4, "mode": 5, "max": 6}),
                Task("end", milestone=True, predecessors=("long", "side")),
            ),
        ).with_task("side", **{key: day(2)})
        assert schedule(s).critical[1], key  # -2 days of float in P6's sense
        r = simulate(s, iterations=500, seed=1)
        assert r.criticality["side"] == 0.0, key
        assert r.criticality["long"] == 1.0, key
