"""The risk model's second half: branches, existence risks, dependent risks, uncertain
lags and weather, against exact answers, naive references on the same draws, and hand
computations."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import optimize, stats

from pmo_sim import Project, Scenario, Task, Triangular, simulate
from pmo_sim.cli import cli
from pmo_sim.engine.blocks import run_kernel
from pmo_sim.engine.compile import compiled_model
from pmo_sim.engine.simulate import deterministic_schedule, sample_durations
from pmo_sim.io.scenario_file import load
from pmo_sim.model.branches import Branch, BranchOption, Condition
from pmo_sim.model.calendar import Calendar
from pmo_sim.model.distributions import Uniform
from pmo_sim.model.errors import ScenarioError
from pmo_sim.model.risk_logic import occurrence_probability
from pmo_sim.model.risks import Impact, Risk
from pmo_sim.model.tasks import Link, TaskCost
from pmo_sim.model.weather import WeatherLoss

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "distribution_hub.toml"
START = dt.date(2027, 2, 1)  # a Monday
STEEL = Triangular(165, 167, 173)
SLATE = Triangular(193, 198, 208)


def _tri(d: Triangular):
    return stats.triang((d.mode - d.min) / (d.max - d.min), loc=d.min, scale=d.max - d.min)


def _mixture_quantile(q: float, p: float = 0.7) -> float:
    """The q-quantile of steel with probability p, else slate: scipy's CDFs, brentq."""
    a, b = _tri(STEEL), _tri(SLATE)
    return optimize.brentq(lambda x: p * a.cdf(x) + (1 - p) * b.cdf(x) - q, 100, 300, xtol=1e-12)


def roof(kind: str, iterations: int = 100_000) -> Scenario:
    """The roof alternative as a cost branch (thousands) or a duration branch (days)."""
    if kind == "cost":
        steel = Task("roof_steel", 1, cost=TaskCost(fixed=STEEL), predecessors=("walls",))
        slate = Task("roof_slate", 1, cost=TaskCost(fixed=SLATE), predecessors=("walls",))
    else:
        steel = Task("roof_steel", STEEL, predecessors=("walls",))
        slate = Task("roof_slate", SLATE, predecessors=("walls",))
    return Scenario(
        project=Project(name="Roof", start=START, calendar=Calendar("all-days")),
        tasks=(Task("walls", 0), steel, slate, Task("done", 0, predecessors=(steel.id, slate.id))),
        branches=(
            Branch(
                "roof",
                (
                    BranchOption("steel", ("roof_steel",), 0.7),
                    BranchOption("slate", ("roof_slate",), 0.3),
                ),
            ),
        ),
    )


def quantile_se(values: np.ndarray, q: float, density: float) -> float:
    """Standard error of the empirical q-quantile: sqrt(q (1 - q) / n) / f(x_q)."""
    return math.sqrt(q * (1 - q) / values.size) / density


# Branches -------------------------------------------------------------------------------


def test_the_roof_reference_is_198_and_177_733():
    """The independent reference (scipy CDFs) gives the published P80 and mean."""
    assert _mixture_quantile(0.8) == pytest.approx(198.0, abs=1e-9)
    mean = 0.7 * _tri(STEEL).mean() + 0.3 * _tri(SLATE).mean()
    assert mean == pytest.approx(177.7333333, abs=1e-6)


@pytest.mark.parametrize("kind", ["cost", "duration"])
def test_the_roof_branch_gives_p80_198_and_mean_177_733(kind):
    """Steel Tri(165, 167, 173) with probability 0.7, else slate Tri(193, 198, 208): P80
    198.000 and mean 177.733, as a cost branch and as a duration branch."""
    s = roof(kind)
    r = simulate(s, iterations=100_000, seed=11, sampling="random", threads=2)
    values = r.cost if kind == "cost" else r.finish_days
    # The mixture's density at 198: 0.3 x the slate's peak 2 / 15.
    se = quantile_se(values, 0.8, 0.3 * 2 / 15)
    assert abs(np.percentile(values, 80) - 198.0) < 4 * se
    sd = math.sqrt(np.var(values) / values.size)
    assert abs(values.mean() - 177.7333333) < 4 * sd
    taken = r.branch_occurrence
    assert taken.shape == (2, 100_000)
    assert np.array_equal(taken.sum(axis=0), np.ones(100_000))  # exactly one option
    assert abs(taken[0].mean() - 0.7) < 4 * math.sqrt(0.21 / 100_000)


def test_an_option_not_taken_takes_no_time_and_costs_nothing():
    """In every iteration, the task of the option not taken has duration 0, and the
    cost is exactly the taken option's."""
    s = roof("duration")
    d = sample_durations(s, 5, None, 0, 5000)
    ids = s.task_ids
    steel, slate = d[ids.index("roof_steel")], d[ids.index("roof_slate")]
    assert np.all((steel == 0) != (slate == 0))
    s = roof("cost")
    r = simulate(s, iterations=5000, seed=5, threads=1)
    taken = r.branch_occurrence.astype(bool)
    assert np.all((r.cost >= 165) & (r.cost <= 173) == taken[0])
    assert np.all((r.cost >= 193) & (r.cost <= 208) == taken[1])


def test_conditional_outcomes_report_p_values_given_each_option():
    """The branch outcome's P80 for an option is the P80 of the iterations that took it."""
    s = roof("duration")
    r = simulate(s, iterations=20_000, seed=3, threads=2)
    out = r.branch_outcomes()[0]
    taken = r.branch_occurrence.astype(bool)
    for k, o in enumerate(out.options):
        assert o.finish[80] == np.percentile(r.finish_days[taken[k]], 80)
        assert o.share == taken[k].mean()
    doc = r.to_dict()["branches"]["roof"]["options"]
    assert doc["slate"]["taken"] == out.options[1].share


def test_a_none_option_takes_the_rest_of_the_probability():
    """An option named "none" without a probability takes what the others leave."""
    b = Branch("x", (BranchOption("a", ("a",), 0.25), BranchOption("none")))
    assert b.probabilities == (0.25, 0.75)


def test_the_deterministic_plan_takes_the_most_likely_option():
    """The deterministic schedule has the likelier option's work only."""
    plan = deterministic_schedule(roof("duration"))
    assert plan.finish == pytest.approx(167.0)


REWORK = """
[project]
name = "Rework"
start = 2027-02-01
calendar = "all-days"

[simulation]
iterations = 20000
seed = 9

[[tasks]]
id = "build"
duration = { dist = "triangular", min = 10, mode = 12, max = 20 }

[[tasks]]
id = "test"
duration = { dist = "triangular", min = 2, mode = 4, max = 9 }
predecessors = ["build"]

[[tasks]]
id = "rework"
duration = { dist = "triangular", min = 3, mode = 5, max = 8 }
predecessors = ["test"]
cost = { fixed = 1000 }

[[tasks]]
id = "retest"
duration = 2
predecessors = ["rework"]

[[tasks]]
id = "handover"
milestone = true
predecessors = ["retest"]

[[branches]]
id = "loop"
options = [
  { name = "rework", when = { task = "test", finishes_after = %s }, tasks = ["rework", "retest"] },
  { name = "none" },
]
"""


def test_a_conditional_rework_loop_matches_a_naive_reference_on_the_same_draws(tmp_path):
    """Rework and retest happen exactly in the iterations whose test finishes after the
    date; the finish and the cost equal a plain Python sum of the same draws."""
    path = tmp_path / "rework.toml"
    path.write_text(REWORK % "2027-02-17")
    s = load(path)
    n = 20_000
    r = simulate(s, iterations=n, seed=9, sampling="random", threads=2)
    d = sample_durations(s, 9, "random", 0, n)
    build, test, rework = (d[s.task_ids.index(t)] for t in ("build", "test", "rework"))
    test_finish = build + test
    # On an all-days calendar from 1 February, the end of 17 February is day 17.
    late = test_finish > 17.0
    assert 0.1 < late.mean() < 0.9
    assert np.array_equal(rework > 0, late)
    expected = test_finish + np.where(late, rework + 2.0, 0.0)
    np.testing.assert_allclose(r.finish_days, expected, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(r.cost, np.where(late, 1000.0, 0.0))
    assert r.branch_occurrence[0].mean() == late.mean()


# Existence risks -------------------------------------------------------------------------


def contamination(status: str = "open") -> Scenario:
    return Scenario(
        project=Project(name="Dig", start=START, calendar=Calendar("all-days")),
        tasks=(
            Task("dig", Triangular(5, 6, 9)),
            Task(
                "clean",
                Triangular(3, 4, 8),
                predecessors=("dig",),
                exists="risk:R7",
                cost=TaskCost(fixed=500.0),
            ),
            Task("build", 10, predecessors=("dig", "clean")),
        ),
        risks=(Risk("R7", 0.3, adds=("clean",), status=status),),
    )


def test_an_existence_risk_adds_its_task_exactly_when_it_occurs():
    """The added task has work and cost exactly in the iterations the risk occurs."""
    s = contamination()
    r = simulate(s, iterations=10_000, seed=2, threads=2)
    occurred = r.risk_occurrence[0].astype(bool)
    d = sample_durations(s, 2, None, 0, 10_000)
    assert np.array_equal(d[1] > 0, occurred)
    np.testing.assert_array_equal(r.cost, np.where(occurred, 500.0, 0.0))
    np.testing.assert_allclose(r.finish_days, d[0] + d[1] + 10.0, atol=1e-9)
    # Criticality counts only the iterations in which the task exists.
    assert r.criticality["clean"] == pytest.approx(occurred.mean())


def test_work_added_by_an_occurred_risk_is_plain_work_and_by_a_closed_one_none():
    """An occurred risk's task exists in every iteration; a closed risk's in none."""
    d = sample_durations(contamination("occurred"), 2, None, 0, 2000)
    assert np.all(d[1] > 0)
    d = sample_durations(contamination("closed"), 2, None, 0, 2000)
    assert np.all(d[1] == 0)


# Risk dependencies -------------------------------------------------------------------------


def dependent() -> Scenario:
    hit = (Impact(("a",), delay=1.0),)
    return Scenario(
        project=Project(name="Deps", start=START),
        tasks=(Task("a", Triangular(1, 2, 3)),),
        risks=(
            Risk("R1", 0.3, hit),
            Risk("R2", 0.5, hit, requires=("R1",)),
            Risk("R3", 0.4, hit, excludes=("R1",)),
            Risk("R4", 0.2, hit, probability_if=(("R1", 0.9),)),
        ),
    )


def test_dependent_risks_meet_their_exact_joint_probabilities():
    """requires, excludes and probability_if against the joint probabilities worked out
    by hand, within 4 standard errors."""
    n = 200_000
    r = simulate(dependent(), iterations=n, seed=21, sampling="random", threads=2)
    R1, R2, R3, R4 = r.risk_occurrence.astype(bool)
    exact = {
        "R1": (R1.mean(), 0.3),
        "R1 and R2": ((R1 & R2).mean(), 0.15),
        "R2 without R1": ((R2 & ~R1).mean(), 0.0),
        "R3": (R3.mean(), 0.7 * 0.4),
        "R1 and R3": ((R1 & R3).mean(), 0.0),
        "R1 and R4": ((R1 & R4).mean(), 0.3 * 0.9),
        "R4 without R1": ((R4 & ~R1).mean(), 0.7 * 0.2),
    }
    for name, (seen, p) in exact.items():
        se = math.sqrt(max(p * (1 - p), 1e-12) / n)
        assert abs(seen - p) <= 4 * se, name


def test_the_overall_probability_by_enumeration_matches_the_hand_values():
    """occurrence_probability (validate's figure) gives the hand-worked marginals."""
    risks = dependent().risks
    assert occurrence_probability(risks, "R2") == pytest.approx(0.15)
    assert occurrence_probability(risks, "R3") == pytest.approx(0.28)
    assert occurrence_probability(risks, "R4") == pytest.approx(0.41)


def test_switching_a_risk_off_changes_only_the_risks_that_depend_on_it():
    """Common random numbers: with R3 off the others are untouched; with R1 off, R2 never
    occurs and only R3 and R4 (which depend on R1) change."""
    model = compiled_model(dependent())
    base = run_kernel(model, 4, "lhs", 4096, 1).occurrence.astype(bool)
    off = np.ones(4, dtype=np.uint8)
    off[2] = 0
    without3 = run_kernel(model, 4, "lhs", 4096, 1, enabled=off).occurrence.astype(bool)
    assert np.array_equal(without3[[0, 1, 3]], base[[0, 1, 3]])
    assert not without3[2].any()
    off = np.ones(4, dtype=np.uint8)
    off[0] = 0
    without1 = run_kernel(model, 4, "lhs", 4096, 1, enabled=off).occurrence.astype(bool)
    assert not without1[0].any() and not without1[1].any()
    # R3 now occurs wherever its own draw says so, a superset of before.
    assert np.all(without1[2] >= base[2])


# Uncertain lags ---------------------------------------------------------------------------------


def lagged(calendar: str = "") -> Scenario:
    cals = (("site", Calendar("mon-fri", (dt.date(2027, 2, 10),))),) if calendar else ()
    return Scenario(
        project=Project(name="Lag", start=START, calendars=cals),
        tasks=(
            Task("a", 5),
            Task("b", 3, predecessors=(Link("a", lag=Uniform(0, 4)),), calendar=calendar),
        ),
    )


def test_an_uncertain_lag_is_drawn_per_iteration_from_its_distribution():
    """finish = a + lag + b with the lag uniform on (0, 4): a KS test on finish - 8."""
    r = simulate(lagged(), iterations=20_000, seed=8, sampling="random", threads=2)
    lag = r.finish_days - 8.0
    assert lag.min() >= 0 and lag.max() <= 4
    assert stats.kstest(lag, stats.uniform(0, 4).cdf).pvalue > 0.01
    assert deterministic_schedule(lagged()).finish == pytest.approx(10.0)


def test_an_uncertain_lag_counts_on_the_successors_calendar():
    """With the successor on a calendar without 10 February (timeline day 7), the lag
    counts that calendar's working days: b works from its own day 5 + lag to 8 + lag,
    past its holiday, so it finishes one timeline day later than on the plain calendar
    for every lag (counted on the timeline, a lag of 3 to 4 would not move it)."""
    plain = simulate(lagged(), iterations=4000, seed=8, threads=1)
    cal = simulate(lagged("site"), iterations=4000, seed=8, threads=1)
    np.testing.assert_allclose(cal.finish_days, plain.finish_days + 1.0, atol=1e-9)


# Weather ------------------------------------------------------------------------------------


def weathered(pattern: str = "scattered", losses=None, duration: float = 39) -> Scenario:
    losses = losses or (WeatherLoss(months=(2, 3), lost_days=2),)
    site = Calendar("mon-fri", weather=losses, weather_pattern=pattern)
    return Scenario(
        project=Project(name="Weather", start=START, calendars=(("site", site),)),
        tasks=(Task("dig", duration, calendar="site"), Task("done", 0, predecessors=("dig",))),
    )


@pytest.mark.parametrize(
    ("pattern", "exact"),
    [
        # 2 of March's 23 working days lost at random: the 21st day left is the 23rd
        # with probability C(22, 2) / C(23, 2), the 22nd with 21 / 253, the 21st 1 / 253.
        ("scattered", {43: 231 / 253, 42: 21 / 253, 41: 1 / 253}),
        # One block of 2 starting on any of 22 days: only {22, 23} leaves day 21.
        ("block", {43: 21 / 22, 41: 1 / 22}),
    ],
)
def test_two_days_lost_a_month_move_the_finish_as_counted_by_hand(pattern, exact):
    """39 working days from Monday 1 February 2027 on a calendar losing 2 days each in
    February (20 working days) and March (23): 18 done in February, so the finish is the
    21st day left in March, day 20 + that day's place; its distribution is counted by
    hand."""
    n = 40_000
    r = simulate(weathered(pattern), iterations=n, seed=6, sampling="random", threads=2)
    seen = np.round(r.finish_days, 9)
    assert set(np.unique(seen)) <= set(map(float, exact))
    for day, p in exact.items():
        se = math.sqrt(p * (1 - p) / n)
        assert abs((seen == day).mean() - p) <= 4 * se + 1e-12
    dates = {43: dt.date(2027, 3, 31), 42: dt.date(2027, 3, 30), 41: dt.date(2027, 3, 29)}
    for day in exact:
        assert r.date_of(float(day)) == dates[day]
    # Days lost before the finish: 2 in February plus March's before the finish.
    lost = r.weather_days_lost[0]
    assert np.all(lost[seen == 43] == 4)
    assert np.all(lost[seen == 41] == 2)


def test_a_period_losing_all_its_days_is_skipped_by_hand():
    """Losing every working day of 8-12 February (5 days): a 10-day task from 1 February
    finishes on 19 February (5 days, the lost week, 5 days), in every iteration."""
    loss = (WeatherLoss(start=dt.date(2027, 2, 8), end=dt.date(2027, 2, 12), lost_days=5),)
    r = simulate(weathered(losses=loss, duration=10), iterations=500, seed=1, threads=1)
    assert np.all(r.finish_days == 15.0)
    assert r.date_of(15.0) == dt.date(2027, 2, 19)
    assert deterministic_schedule(weathered(losses=loss, duration=10)).finish == 10.0


def test_a_no_work_window_is_days_off_every_year(tmp_path):
    """A no-work window 1 November to 31 March: 10 days of lifts from Monday 25 October
    2027 do 5 that week and resume on Monday 3 April 2028 (a P6-style calendar)."""
    path = tmp_path / "lifts.toml"
    path.write_text(
        '[project]\nname = "Lifts"\nstart = 2027-10-25\n'
        '[calendars.lifts]\nno_work = [{ from = "11-01", to = "03-31" }]\n'
        '[[tasks]]\nid = "lift"\nduration = 10\ncalendar = "lifts"\n'
    )
    s = load(path)
    plan = deterministic_schedule(s)
    assert plan.finish_date == dt.date(2028, 4, 7)


# Determinism ------------------------------------------------------------------------------


def test_the_example_is_the_same_on_one_or_two_threads_and_any_block_size():
    """Branches, gates, dependent risks, uncertain lags and weather: bit for bit."""
    s = load(EXAMPLE)
    a = simulate(s, iterations=3000, seed=1, threads=1)
    b = simulate(s, iterations=3000, seed=1, threads=2, block_size=128)
    assert np.array_equal(a.finish_days, b.finish_days)
    assert np.array_equal(a.cost, b.cost)
    assert np.array_equal(a.branch_occurrence, b.branch_occurrence)
    assert np.array_equal(a.weather_days_lost, b.weather_days_lost)
    assert a.criticality == b.criticality


def test_the_example_is_the_same_on_dask():
    """The same answer on a Dask LocalCluster."""
    pytest.importorskip("distributed", reason='needs the dask extra: pip install ".[dask]"')
    from pmo_sim.engine.runners import dask_runner as pd

    s = load(EXAMPLE)
    local = simulate(s, iterations=2000, seed=4, threads=2)
    cluster, client = pd.start_local_cluster(2)
    try:
        remote = simulate(s, iterations=2000, seed=4, client=client)
    finally:
        client.close()
        cluster.close()
    assert np.array_equal(local.finish_days, remote.finish_days)
    assert np.array_equal(local.cost, remote.cost)
    assert np.array_equal(local.branch_occurrence, remote.branch_occurrence)


def test_a_scenario_without_these_constructs_keeps_its_numbers():
    """Models without branches, gates, dependencies, drawn lags or weather take no
    logic argument: their kernels are the ones they always were."""
    model = compiled_model(roof("duration"))
    assert model.logic is not None
    plain = Scenario(
        project=Project(name="P", start=START), tasks=(Task("a", Triangular(1, 2, 3)),)
    )
    assert compiled_model(plain).logic is None


# Bad input --------------------------------------------------------------------------------


BASE = """
[project]
name = "Bad"
start = 2027-02-01

[[tasks]]
id = "a"
duration = 3

[[tasks]]
id = "b"
duration = 3
predecessors = ["a"]

[[tasks]]
id = "c"
duration = 3
predecessors = ["a"]

[[tasks]]
id = "lonely"
duration = 3
"""


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (
            '[[branches]]\nid = "x"\noptions = [{ name = "p", probability = 0.6, tasks = ["b"] },'
            ' { name = "q", probability = 0.3, tasks = ["c"] }]\n',
            ["branches[1] (id 'x'", "sum to 0.9, not 1"],
        ),
        (
            '[[branches]]\nid = "x"\noptions = [{ name = "p", probability = 0.5, tasks = ["b"] },'
            ' { name = "q", probability = 0.5, tasks = ["b"] }]\n',
            ["task 'b' is in options 'p' and 'q'"],
        ),
        (
            '[[branches]]\nid = "x"\noptions = [{ name = "p", probability = 0.5, '
            'tasks = ["lonely"] }, { name = "none" }]\n',
            ["'lonely'", "has no logic"],
        ),
        (
            '[[branches]]\nid = "x"\noptions = [{ name = "p", when = { task = "nope", '
            'duration_above = 2 }, tasks = ["b"] }, { name = "none" }]\n',
            ["when.task", "unknown task id 'nope'"],
        ),
        (
            '[[branches]]\nid = "x"\noptions = [{ name = "p", when = { task = "c", '
            'duration_above = 2 }, tasks = ["b"] }, { name = "none" }]\n',
            ["cannot be decided before task 'b'", "does not follow 'c'"],
        ),
        (
            '[[risks]]\nid = "R1"\nprobability = 0.5\nrequires = "R2"\ncost = 1\n'
            '[[risks]]\nid = "R2"\nprobability = 0.5\nrequires = "R1"\ncost = 1\n',
            ["cycle: R1 -> R2 -> R1"],
        ),
        (
            '[calendars.site]\nweather = [{ months = ["feb"], lost_days = 25 }]\n',
            ["calendars.site", "reaches 25 working days", "Feb has as few as 20"],
        ),
        (
            '[[risks]]\nid = "R1"\nprobability = 0.5\nadds = ["zzz"]\n',
            ["risks[1] (id 'R1'", ".adds[1]: unknown task id 'zzz'"],
        ),
    ],
)
def test_bad_risk_model_input_is_named_with_exit_code_2(tmp_path, extra, words):
    """Each mistake gets a message naming the item, exit code 2, no traceback."""
    path = tmp_path / "bad.toml"
    path.write_text(BASE + extra)
    res = CliRunner().invoke(cli, ["validate", str(path)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for w in words:
        assert w in res.output, res.output


def test_a_condition_needs_one_test():
    """A condition with both tests, or neither, is refused."""
    with pytest.raises(ValueError, match="exactly one"):
        Condition("a", finishes_after=dt.date(2027, 1, 1), duration_above=3)


def test_validate_explains_each_construct():
    """validate prints one line per branch, existence risk, dependent risk, uncertain
    lag and weather calendar."""
    res = CliRunner().invoke(cli, ["validate", str(EXAMPLE)])
    assert res.exit_code == 0, res.output
    for w in (
        "branch Roof finish decided by planning: one of steel 70%, slate 30%",
        "rework if commissioning takes more than 14 days, none otherwise",
        "risk CONTAM adds remediation",
        "risk ENV occurs only if CONTAM occurred; 60% given that; 15.0% overall",
        "risk STEEL occurs 50% if CONTAM occurred; 30% otherwise; 35.0% overall",
        "risk CRANE occurs never with STEEL; 20% given that; 13.0% overall",
        "uncertain lag slab -> frame (FS)",
        "weather on calendar site",
    ):
        assert w in res.output, res.output


def test_scenario_errors_list_every_problem_at_once():
    """A Python-built scenario with two mistakes raises one ScenarioError naming both."""
    with pytest.raises(ScenarioError) as err:
        Scenario(
            project=Project(name="P", start=START),
            tasks=(Task("a", 1), Task("b", 1, predecessors=("a",), exists="risk:NOPE")),
            risks=(Risk("R", 0.5, cost=1.0, requires=("GHOST",)),),
        )
    text = str(err.value)
    assert "unknown risk id 'NOPE'" in text and "unknown risk id 'GHOST'" in text


def test_the_iterations_csv_has_each_branchs_option_and_the_weather_days(tmp_path):
    """run --iterations-csv adds a column per branch (the option taken) and per weather
    calendar (the days lost), matching the JSON's shares."""
    out = tmp_path / "it.csv"
    doc = tmp_path / "r.json"
    res = CliRunner().invoke(
        cli,
        ["run", str(EXAMPLE), "-n", "2000", "--iterations-csv", str(out), "--out", str(doc)],
    )
    assert res.exit_code == 0, res.output
    import csv
    import json

    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2000
    share = sum(r["branch_roof"] == "slate" for r in rows) / 2000
    data = json.loads(doc.read_text())
    assert share == data["branches"]["roof"]["options"]["slate"]["taken"]
    lost = np.array([float(r["weather_days_lost_site"]) for r in rows])
    assert lost.mean() == pytest.approx(data["weather"]["site"]["mean_days_lost"])
