"""Portfolios: the identity property, systemic risks and links between projects against
exact answers, determinism, the file format and its errors, and the commands."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from pmo_sim import Calendar, Project, Scenario, Task, Triangular, simulate
from pmo_sim.cli import cli
from pmo_sim.engine.portfolio import move_finishes, simulate_portfolio
from pmo_sim.io.portfolio_file import load as load_portfolio
from pmo_sim.io.scenario_file import load
from pmo_sim.model.errors import ScenarioError
from pmo_sim.model.portfolio import CrossLink, Portfolio, PortfolioProject
from pmo_sim.model.risks import Impact, Risk

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
EXAMPLE = SCENARIOS / "portfolio" / "portfolio.toml"
MON = dt.date(2027, 1, 4)  # a Monday


def one_task(pid: str, duration, *, deadline=None, calendar=None, risks=(), start=MON, cost=None):
    """A project of one task ``a`` (and its own risks)."""
    from pmo_sim.model.tasks import TaskCost

    return Scenario(
        project=Project(
            name=pid,
            id=pid,
            start=start,
            deadline=deadline,
            calendar=calendar or Calendar(),
        ),
        tasks=(
            Task("a", duration=duration, cost=None if cost is None else TaskCost(per_day=cost)),
        ),
        risks=tuple(risks),
    )


def portfolio(*scenarios: Scenario, links=(), risks=(), **kw) -> Portfolio:
    return Portfolio(
        name="test",
        projects=tuple(PortfolioProject(s.project.id, s) for s in scenarios),
        links=tuple(links),
        risks=tuple(risks),
        **kw,
    )


def assert_same_results(a, b) -> None:
    """Two project Results with the same numbers, bit for bit."""
    assert np.array_equal(a.finish_days, b.finish_days)
    if a.cost is None:
        assert b.cost is None
    else:
        assert np.array_equal(a.cost, b.cost)
    assert np.array_equal(a.milestone_days, b.milestone_days)
    assert np.array_equal(a.risk_occurrence, b.risk_occurrence)
    assert a.criticality == b.criticality
    for f in dataclasses.fields(a.task_stats):
        x, y = getattr(a.task_stats, f.name), getattr(b.task_stats, f.name)
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y, equal_nan=True), f.name


# Identity -----------------------------------------------------------------------------


def test_unjoined_projects_are_bit_identical_to_their_standalone_runs():
    """With no links, systemic risks or correlations between them, each project of a
    portfolio gets exactly its standalone numbers with the same seed; two projects with
    tasks of the same ids still draw different numbers (streams keyed by project id)."""
    office = load(SCENARIOS / "office_move.toml")
    dc = load(SCENARIOS / "portfolio" / "dc_exit.toml")
    depot = load(SCENARIOS / "portfolio" / "depot_refurb.toml")
    pf = portfolio(office, dc, depot)
    r = simulate_portfolio(pf, iterations=3000, seed=11)
    for s in (office, dc, depot):
        alone = simulate(s, iterations=3000, seed=11)
        assert_same_results(r.projects[s.project.id], alone)
    # dc and depot both have a task 'start' and a risk 'R1': not the same draws.
    a = r.projects["dc-exit"].risk_occurrence[0]
    b = r.projects["depot-refurb"].risk_occurrence[0]
    assert not np.array_equal(a, b)
    # The programme's figures are the projects' reductions.
    dates = np.vstack([x.finish_dates for x in r.projects.values()])
    assert np.array_equal(r.finish, dates.max(axis=0))
    assert np.array_equal(r.cost, sum(x.cost for x in r.projects.values()))


def test_the_shipped_example_keeps_unlinked_projects_identical():
    """In the shipped portfolio, the office move (nothing links into it) differs from its
    standalone run only through the systemic risks; without them, bit for bit."""
    pf = load_portfolio(EXAMPLE)
    bare = dataclasses.replace(pf, risks=(), links=())
    r = simulate_portfolio(bare, iterations=2000, seed=5)
    for p in pf.projects:
        assert_same_results(r.projects[p.id], simulate(p.scenario, iterations=2000, seed=5))
    # With its link (out of the office move) but no systemic risks, the office move is
    # still its standalone self; the data centre exit is not.
    linked = dataclasses.replace(pf, risks=())
    r = simulate_portfolio(linked, iterations=2000, seed=5)
    office = pf.project("office").scenario
    assert_same_results(r.projects["office"], simulate(office, iterations=2000, seed=5))
    dc = simulate(pf.project("dc").scenario, iterations=2000, seed=5)
    assert not np.array_equal(r.projects["dc"].finish_days, dc.finish_days)


# Systemic risks -------------------------------------------------------------------------


def late_by(delay: float, p: float, rid: str, tasks: tuple[str, ...]) -> Risk:
    return Risk(rid, probability=p, impacts=(Impact(tasks=tasks, delay=delay),))


def test_a_systemic_risk_makes_both_projects_late_together():
    """Two fixed 10-day projects with a deadline on day 10, one systemic risk of
    probability p adding 5 days to both: P(both late) = P(either late) = p, and with
    Latin hypercube sampling each block of 1,024 iterations holds p's share to one
    iteration."""
    deadline = dt.date(2027, 1, 15)  # the tenth working day
    a = one_task("p", 10, deadline=deadline)
    b = one_task("q", 10, deadline=deadline)
    p = 0.3
    pf = portfolio(a, b, risks=[late_by(5, p, "S1", ("p:a", "q:a"))])
    n = 8 * 1024
    r = simulate_portfolio(pf, iterations=n, seed=3)
    late_p = ~r.projects["p"].met_by(None)
    late_q = ~r.projects["q"].met_by(None)
    assert np.array_equal(late_p, late_q)
    assert abs(late_p.mean() - p) <= 1 / 1024
    assert r.probability_all_deadlines == pytest.approx(1 - late_p.mean(), abs=0)
    assert r.expected_misses == pytest.approx(2 * late_p.mean(), rel=1e-12)


def test_independent_project_risks_make_both_late_with_p_squared():
    """The same with a risk of probability p in each project instead: P(both late) is p
    squared, within four standard errors (plain random sampling)."""
    deadline = dt.date(2027, 1, 15)
    p = 0.3
    a = one_task("p", 10, deadline=deadline, risks=[late_by(5, p, "R1", ("a",))])
    b = one_task("q", 10, deadline=deadline, risks=[late_by(5, p, "R1", ("a",))])
    n = 40_000
    r = simulate_portfolio(portfolio(a, b), iterations=n, seed=9, sampling="random")
    both = (~r.projects["p"].met_by(None)) & (~r.projects["q"].met_by(None))
    se = math.sqrt(p * p * (1 - p * p) / n)
    assert abs(both.mean() - p * p) < 4 * se


# Links between projects -------------------------------------------------------------------


def test_a_link_moves_the_successor_by_the_predecessors_finish_plus_the_lag():
    """P:a (uncertain, mon-fri) -> Q:b FS lag 2 where Q works every day: in every
    iteration Q finishes exactly lag + its 3 days after the day P:a finishes."""
    p = one_task("p", Triangular(5, 10, 20))
    q = one_task("q", 3, calendar=Calendar(weekmask="1111111"))
    pf = portfolio(p, q, links=[CrossLink("p:a", "q:a", lag=2)])
    r = simulate_portfolio(pf, iterations=2000, seed=1)
    pa = r.projects["p"].finish_dates
    qa = r.projects["q"].finish_dates
    assert np.array_equal(qa, pa + np.timedelta64(5, "D"))
    # The deterministic plan: P:a's 10 days end Fri 15 January; lag Sat 16 and Sun 17,
    # Q:a works Mon 18 to Wed 20.
    assert r.projects["q"].deterministic.finish_date == np.datetime64("2027-01-20")


def test_a_link_counts_its_lag_on_the_successors_calendar_with_holidays():
    """Both on mon-fri, Q with a holiday on the first lag day: the lag skips it."""
    holiday = Calendar(holidays=(dt.date(2027, 1, 18),))
    p = one_task("p", 10)  # ends Fri 15 January
    q = one_task("q", 2, calendar=holiday)
    pf = portfolio(p, q, links=[CrossLink("p:a", "q:a", lag=1)])
    r = simulate_portfolio(pf, iterations=64, seed=1)
    # Lag: Tue 19 (Mon 18 is Q's holiday); work Wed 20 and Thu 21.
    assert set(r.projects["q"].finish_dates.astype(str)) == {"2027-01-21"}
    assert r.projects["q"].deterministic.finish_date == np.datetime64("2027-01-21")


def test_an_ff_link_holds_the_successors_finish():
    """P:a -> Q:a FF lag 0: Q:a (2 days, free to start on day 0) finishes with P:a."""
    p = one_task("p", Triangular(5, 10, 20))
    q = one_task("q", 2)
    pf = portfolio(p, q, links=[CrossLink("p:a", "q:a", type="FF")])
    r = simulate_portfolio(pf, iterations=500, seed=2)
    assert np.array_equal(r.projects["q"].finish_dates, r.projects["p"].finish_dates)


def test_moving_finishes_between_timelines_matches_the_calendars():
    """A finish at the end of a day is the next working morning of the other timeline;
    part-way through a day (both working it) keeps its share."""
    p = one_task("p", 1)
    q = one_task("q", 1, start=dt.date(2027, 1, 11), calendar=Calendar(weekmask="1111111"))
    # p day 0 is Mon 4 January: 5.0 = end of Fri 8, 5.5 = mid Mon 11.
    moved = move_finishes(p, q, np.array([5.0, 5.5]))
    # q works every day from day 0 Mon 11: the end of Fri 8 is q's -2 (Sat 9 morning,
    # two days before its day 0); the middle of Mon 11 is 0.5.
    assert moved.tolist() == [-2.0, 0.5]
    # Back: the end of q's Sat 9 (offset -1) is p's Monday 11 morning (p's 5.0: p does
    # not work the weekend).
    assert move_finishes(q, p, np.array([-1.0, 0.5])).tolist() == [5.0, 5.5]


def test_a_linked_portfolio_is_the_same_on_one_or_two_threads():
    pf = load_portfolio(EXAMPLE)
    a = simulate_portfolio(pf, iterations=3000, seed=4, threads=1)
    b = simulate_portfolio(pf, iterations=3000, seed=4, threads=2)
    assert np.array_equal(a.finish, b.finish)
    assert np.array_equal(a.cost, b.cost)
    for pid in a.projects:
        assert_same_results(a.projects[pid], b.projects[pid])


def test_a_linked_portfolio_is_the_same_on_dask():
    distributed = pytest.importorskip(
        "distributed", reason='needs the dask extra: pip install ".[dask]"'
    )
    del distributed
    from pmo_sim.engine.runners import dask_runner as pd

    pf = load_portfolio(EXAMPLE)
    local = simulate_portfolio(pf, iterations=2000, seed=4, threads=2)
    cluster, client = pd.start_local_cluster(2)
    try:
        remote = simulate_portfolio(pf, iterations=2000, seed=4, client=client)
    finally:
        client.close()
        cluster.close()
    assert np.array_equal(local.finish, remote.finish)
    assert np.array_equal(local.cost, remote.cost)
    for pid in local.projects:
        assert_same_results(local.projects[pid], remote.projects[pid])


# Ranking ------------------------------------------------------------------------------


def test_the_ranking_credits_a_systemic_risk_with_its_whole_effect():
    """A systemic risk that is certain (p = 1) adding 5 days to two fixed projects with
    5-per-day costs: switching it off removes 5 days from each P80 finish and 2 x 5 x 5
    from the portfolio's P80 cost; a project's own risk touches only its project."""
    a = one_task("p", 10, cost=5.0, risks=[late_by(3, 1.0, "R1", ("a",))])
    b = one_task("q", 10, cost=5.0)
    risk = Risk("S1", probability=1.0, impacts=(Impact(tasks=("p:a", "q:a"), delay=5),))
    r = simulate_portfolio(portfolio(a, b, risks=[risk]), iterations=500, seed=1, rank=True)
    rk = r.ranking
    s1 = rk.risk_ids.index("S1")
    r1 = rk.risk_ids.index("p:R1")
    assert rk.p80_finish_contribution["p"][s1] == pytest.approx(5)
    assert rk.p80_finish_contribution["q"][s1] == pytest.approx(5)
    assert rk.p80_cost_contribution[s1] == pytest.approx(50)
    assert rk.p80_finish_contribution["p"][r1] == pytest.approx(3)
    assert rk.p80_finish_contribution["q"][r1] == 0
    assert rk.p80_cost_contribution[r1] == pytest.approx(15)
    own = r.projects["p"].risk_ranking
    assert own.p80_finish_contribution[own.risk_ids.index("R1")] == pytest.approx(3)


# The file and its errors ---------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "pf.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


WAREHOUSE = (SCENARIOS / "warehouse_build.toml").as_posix()
OFFICE = (SCENARIOS / "office_move.toml").as_posix()

HEAD = f"""\
[portfolio]
name = "Test"
currency = "GBP"

[[projects]]
id = "office"
scenario = "{OFFICE}"

[[projects]]
id = "depot"
scenario = "{(SCENARIOS / "portfolio" / "depot_refurb.toml").as_posix()}"
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[[links]]\nfrom = "nope:mep"\nto = "depot:fitout"\n', "unknown project 'nope'"),
        (
            '[[links]]\nfrom = "office:nope"\nto = "depot:fitout"\n',
            "project 'office' has no task 'nope'",
        ),
        (
            '[[links]]\nfrom = "office:mep"\nto = "depot:fitout"\ntype = "SS"\n',
            "'type' must be FS or FF",
        ),
        (
            '[[risks]]\nid = "S1"\nprobability = 0.2\n'
            'impacts = [{ tasks = ["office:mep", "depot:nope"], delay = 3 }]\n',
            "risks[1] (id 'S1'): project 'depot' has no task 'nope'",
        ),
        (
            '[[projects]]\nid = "office"\nscenario = "x.toml"\n',
            "no such file",
        ),
    ],
)
def test_bad_references_are_named_with_exit_2_and_nothing_written(tmp_path, extra, message):
    path = write(tmp_path, HEAD + extra)
    out = tmp_path / "out.json"
    result = invoke("run", str(path), "-n", "100", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert str(path) in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_duplicate_project_ids_are_refused(tmp_path):
    text = HEAD + f'\n[[projects]]\nid = "office"\nscenario = "{WAREHOUSE}"\n'
    result = invoke("validate", str(write(tmp_path, text)))
    assert result.exit_code == 2
    assert "duplicate project id 'office'" in result.output


def test_one_scenario_twice_is_refused_for_its_random_numbers(tmp_path):
    text = HEAD + f'\n[[projects]]\nid = "office2"\nscenario = "{OFFICE}"\n'
    result = invoke("validate", str(write(tmp_path, text)))
    assert result.exit_code == 2
    assert "is also that of project 'office'" in result.output
    assert "project ids key the random numbers" in result.output


def test_mixed_currencies_are_refused_naming_both(tmp_path):
    text = HEAD.replace('currency = "GBP"\n', "") + (
        f'\n[[projects]]\nid = "warehouse"\nscenario = "{WAREHOUSE}"\n'
    )
    result = invoke("validate", str(write(tmp_path, text)))
    assert result.exit_code == 2
    assert "'GBP'" in result.output and "'EUR'" in result.output


def test_a_cycle_through_projects_lists_the_path(tmp_path):
    text = HEAD + (
        '[[links]]\nfrom = "office:handback"\nto = "depot:start"\n'
        '[[links]]\nfrom = "depot:handover"\nto = "office:kickoff"\n'
    )
    result = invoke("validate", str(write(tmp_path, text)))
    assert result.exit_code == 2
    assert "cycle through several projects" in result.output
    assert "office:handback -> depot:start" in result.output
    assert "depot:handover -> office:kickoff" in result.output


def test_links_both_ways_without_a_cycle_are_refused(tmp_path):
    text = HEAD + (
        '[[links]]\nfrom = "office:kickoff"\nto = "depot:handover"\n'
        '[[links]]\nfrom = "depot:start"\nto = "office:handback"\n'
    )
    result = invoke("validate", str(write(tmp_path, text)))
    assert result.exit_code == 2
    assert "links run both ways between projects" in result.output


def test_a_bad_project_file_is_reported_with_the_project_id(tmp_path):
    bad = write(
        tmp_path, '[project]\nname = "x"\nstart = 2027-01-04\n[[tasks]]\nid = "a"\n', "bad.toml"
    )
    text = HEAD + f'\n[[projects]]\nid = "broken"\nscenario = "{bad.name}"\n'
    result = invoke("validate", str(write(tmp_path, text)))
    assert result.exit_code == 2
    assert "project 'broken' (bad.toml)" in result.output
    assert "'duration' is required" in result.output


def test_a_portfolio_naming_itself_is_refused(tmp_path):
    text = HEAD + '\n[[projects]]\nid = "me"\nscenario = "pf.toml"\n'
    result = invoke("validate", str(write(tmp_path, text)))
    assert result.exit_code == 2
    assert "names this portfolio file itself" in result.output


def test_options_a_portfolio_run_does_not_take_are_refused(tmp_path):
    result = invoke("run", str(EXAMPLE), "--until-converged")
    assert result.exit_code == 2
    assert "--until-converged: not available for a portfolio file" in result.output


def test_a_schedule_file_joins_a_portfolio_with_import_options(tmp_path):
    """A project may be a schedule (here a CSV task table) with the options ``pmo-sim
    import`` takes."""
    table = tmp_path / "tasks.csv"
    table.write_text("id,name,duration,predecessors\nx,Build,10,\ny,Test,5,x\n", encoding="utf-8")
    text = HEAD + (
        '\n[[projects]]\nid = "csv"\nscenario = "tasks.csv"\nstart = "2027-01-04"\n'
        'project_id = "csv-plan"\n'
        '[[links]]\nfrom = "csv:y"\nto = "depot:start"\n'
    )
    pf = load_portfolio(write(tmp_path, text))
    assert pf.project("csv").scenario.project.id == "csv-plan"
    r = simulate_portfolio(pf, iterations=200, seed=1)
    # y finishes after 15 working days (Fri 22 January); the depot starts 5 April anyway.
    assert r.projects["csv"].deterministic.finish_date == np.datetime64("2027-01-22")


# The commands ---------------------------------------------------------------------------


def test_run_json_has_a_portfolio_section_and_each_projects_document():
    result = invoke("run", str(EXAMPLE), "-n", "2000", "--json", "-q")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    section = doc["portfolio"]
    assert set(doc["projects"]) == {"office", "dc", "depot"}
    assert set(section["finish"]["percentiles"]) == {"10", "50", "80", "90"}
    assert section["cost"]["currency"] == "GBP"
    effect = section["portfolio_effect"]
    assert effect["sum_of_project_p80_costs"] == pytest.approx(
        sum(p["cost"]["percentiles"]["80"]["value"] for p in doc["projects"].values())
    )
    assert section["rag"]["office"] in ("green", "amber", "red")
    assert section["risk_ranking"][0]["risk"]
    # Each project's document is a scenario run's, with the stand-in for the link.
    assert "office:it_test" in doc["projects"]["dc"]["tasks"]


def test_validate_and_cpm_take_a_portfolio():
    result = invoke("validate", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "valid portfolio: 3 projects" in result.output
    result = invoke("cpm", str(EXAMPLE), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc["projects"]) == {"office", "dc", "depot"}
    assert doc["portfolio"]["finish"] == max(p["finish"]["date"] for p in doc["projects"].values())


def test_run_prints_the_table_a_pmo_reads():
    result = invoke("run", str(EXAMPLE), "-n", "1000", "-q", "--no-ranking")
    assert result.exit_code == 0, result.output
    for text in ("P(deadline)", "RAG", "Programme finish", "Portfolio effect", "S1"):
        assert text in result.output


def test_a_portfolio_needs_its_references_in_python_too():
    with pytest.raises(ScenarioError, match="unknown project 'z'"):
        portfolio(one_task("p", 1), one_task("q", 1), links=[CrossLink("z:a", "q:a")])
    with pytest.raises(ValueError, match="FS or FF"):
        CrossLink("p:a", "q:a", type="SF")


def test_a_systemic_risks_cost_counts_once():
    """A certain systemic risk costing exactly 1,000 that hits two projects adds 1,000 to
    the total, not 2,000; its response cost after mitigation likewise counts once."""
    from pmo_sim.model.distributions import Fixed
    from pmo_sim.model.risks import Mitigation

    a = one_task("p", 10, cost=1.0)
    b = one_task("q", 10, cost=1.0)
    risk = Risk(
        "S1",
        probability=1.0,
        impacts=(Impact(tasks=("p:a", "q:a"), delay=0),),
        cost=Fixed(1000.0),
        mitigated=Mitigation(probability=1.0, response_cost=300.0),
    )
    r = simulate_portfolio(portfolio(a, b, risks=[risk]), iterations=100, seed=1)
    assert set(r.cost.tolist()) == {10 + 10 + 1000}
    r = simulate_portfolio(portfolio(a, b, risks=[risk]), iterations=100, seed=1, mitigated=True)
    assert set(r.cost.tolist()) == {10 + 10 + 1000 + 300}


def test_comparing_a_renamed_project_keeps_common_random_numbers(tmp_path):
    """The project id keys the streams; ``compare OLD NEW`` runs every state with the
    old update's id, so renaming the project (a new default id) changes nothing."""
    text = (SCENARIOS / "office_move.toml").read_text(encoding="utf-8")
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(
        text.replace('name = "Office move: Holborn to King\'s Cross"', 'name = "Relocation"'),
        encoding="utf-8",
    )
    assert load(renamed).project.id != load(SCENARIOS / "office_move.toml").project.id
    result = invoke(
        "compare", str(SCENARIOS / "office_move.toml"), str(renamed), "-n", "2000", "--json", "-q"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["old"] == doc["new"]
    assert all(v == 0 for v in doc["total"].values())


# MPLIB multi-project instances ----------------------------------------------------------

MPLIB = sorted(
    (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "multi_project").glob(
        "*.rcmp"
    )
)


def mplib_portfolio(path: Path, folder: Path) -> tuple[Path, dict[str, int]]:
    """Write an MPLIB instance (read with the psplib package) as a portfolio file over one
    scenario file per project (single-mode durations, FS logic, each project released
    on its release day) and return it with each project's critical-path length by
    networkx's longest path (the independent reference)."""
    import networkx as nx
    import psplib

    from pmo_sim.io.toml_writer import dumps
    from pmo_sim.model.tasks import Link as TaskLink

    inst = psplib.parse(str(path), instance_format="mplib")
    preds: dict[int, list[int]] = {}
    for i, act in enumerate(inst.activities):
        for j in act.successors:
            preds.setdefault(j, []).append(i)
    lengths = {}
    entries = []
    for k, proj in enumerate(inst.projects):
        pid = f"p{k + 1}"
        ids = {i: f"a{i}" for i in proj.activities}
        tasks = []
        graph = nx.DiGraph()
        for i in proj.activities:
            d = inst.activities[i].modes[0].duration
            graph.add_node(i)
            for p in preds.get(i, []):
                graph.add_edge(p, i, weight=inst.activities[p].modes[0].duration)
            tasks.append(
                Task(
                    ids[i],
                    duration=d,
                    predecessors=tuple(TaskLink(ids[p]) for p in preds.get(i, [])),
                )
            )
        # The longest path's length: edge weights are the predecessors' durations,
        # plus the last activity's own.
        longest = max(
            nx.dag_longest_path_length(graph.subgraph(nx.ancestors(graph, end) | {end}))
            + inst.activities[end].modes[0].duration
            for end in graph.nodes
        )
        lengths[pid] = longest
        release = int(proj.release_date)
        scenario = Scenario(
            project=Project(
                name=f"{path.stem} {pid}",
                id=f"{path.stem.lower()}-{pid}",
                start=MON,
                calendar=Calendar(weekmask="1111111"),
            ),
            tasks=tuple(tasks),
        )
        if release:
            scenario = dataclasses.replace(
                scenario,
                project=dataclasses.replace(
                    scenario.project, start=MON + dt.timedelta(days=release)
                ),
            )
        (folder / f"{pid}.toml").write_text(dumps(scenario), encoding="utf-8")
        entries.append(f'[[projects]]\nid = "{pid}"\nscenario = "{pid}.toml"\n')
    pf = folder / "portfolio.toml"
    pf.write_text(f'[portfolio]\nname = "{path.stem}"\n\n' + "\n".join(entries), encoding="utf-8")
    return pf, lengths


@pytest.mark.skipif(not MPLIB, reason="needs ../shared/data/multi_project (MPLIB instances)")
@pytest.mark.parametrize("path", MPLIB, ids=lambda p: p.stem)
def test_mplib_instances_run_as_portfolios_with_their_cpm_lengths(tmp_path, path):
    pytest.importorskip("psplib", reason='needs the test extra: pip install ".[test]"')
    pf, lengths = mplib_portfolio(path, tmp_path)
    result = invoke("cpm", str(pf), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {pid: p["finish"]["days"] for pid, p in doc["projects"].items()} == lengths
    result = invoke("run", str(pf), "-n", "200", "--json", "-q", "--no-ranking")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    for pid, p in doc["projects"].items():
        # Fixed durations: every iteration is the critical-path length.
        assert p["finish"]["percentiles"]["90"]["days"] == lengths[pid]


def test_risks_and_compare_take_a_portfolio():
    result = invoke("risks", str(EXAMPLE), "-n", "1000", "-q", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    ranked = {row["risk"] for row in doc["risks"]}
    assert {"S1", "S2", "S3", "office:R1", "dc:R1", "depot:R1"} <= ranked
    result = invoke("compare", str(EXAMPLE), "-n", "1000", "-q", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc["projects"]) == {"office", "dc", "depot"}
    # The same random numbers, and responses that only lower probabilities and
    # impacts: each iteration finishes no later, so neither does the P80.
    office = doc["projects"]["office"]
    assert office["after"]["p80_finish"] <= office["before"]["p80_finish"]


def test_report_writes_the_portfolio_html(tmp_path):
    pytest.importorskip("matplotlib", reason='needs the report extra: pip install ".[report]"')
    out = tmp_path / "portfolio.html"
    result = invoke("report", str(EXAMPLE), "-n", "1000", "-q", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    for anchor in ("chart-finish", "chart-s-curves", "chart-systemic", "id=links", "id=risks"):
        assert anchor in text
    doc = json.loads(invoke("run", str(EXAMPLE), "-n", "1000", "-q", "--json").output)
    p = doc["portfolio"]["p_all_deadlines"]
    assert f'data-key="portfolio.p_all_deadlines" data-value="{p}"' in text


XER_MULTI = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "schedules"
    / "xer"
    / "aspose_multiproject_with_external.xer"
)


@pytest.mark.skipif(not XER_MULTI.is_file(), reason="needs ../shared/data (a multi-project XER)")
def test_a_multi_project_xer_imports_as_a_portfolio(tmp_path):
    """The two projects of the export become the portfolio's projects, and its relation
    between them (TestProject A1000 -> TestProject2 A1010, FS) a link that holds."""
    out = tmp_path / "programme.toml"
    result = invoke("import", str(XER_MULTI), "--portfolio", "-o", str(out))
    assert result.exit_code == 0, result.output
    pf = load_portfolio(out)
    assert pf.project_ids == ("testproject", "testproject2")
    assert [str(k) for k in pf.links] == ["testproject:A1000 -> testproject2:A1010 (FS)"]
    r = simulate_portfolio(pf, iterations=100, seed=1)
    pred = r.projects["testproject"].deterministic
    succ = r.projects["testproject2"]
    a1000 = pred.dates()["early_finish"][pf.project("testproject").scenario.task_ids.index("A1000")]
    a1010 = succ.deterministic.dates()["early_start"][succ.scenario.task_ids.index("A1010")]
    assert a1010 > a1000
    # Options for one project are refused with --portfolio.
    result = invoke(
        "import",
        str(XER_MULTI),
        "--portfolio",
        "--project",
        "TestProject",
        "-o",
        str(out),
        "--force",
    )
    assert result.exit_code == 2
    assert "not taken with --portfolio" in result.output


def test_plot_draws_the_portfolio_charts(tmp_path):
    pytest.importorskip("matplotlib", reason='needs the report extra: pip install ".[report]"')
    result = invoke("plot", str(EXAMPLE), "-n", "500", "-q", "-o", str(tmp_path / "charts"))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert names == ["finish.png", "s-curves.png", "systemic.png"]
    assert all((tmp_path / "charts" / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for n in names)


# Correlations between projects -------------------------------------------------------------


def test_a_correlation_between_projects_holds_in_the_joint_draws():
    """p:a and q:a correlated at 0.7 (rank) across projects, p:a and p:b at 0.5 within
    p: the sample rank correlations of the durations the portfolio draws are 0.7 and 0.5
    within four standard errors (Fisher: 1 / sqrt(n - 3)), and a third project's task,
    correlated with nothing, stays within four of 0. Every project sees the same joint
    draws: q's durations match its finishes, draw for draw."""
    from scipy.stats import spearmanr

    from pmo_sim import Uniform, portfolio_durations
    from pmo_sim.model.portfolio import PortfolioCorrelation
    from pmo_sim.model.scenario import Correlation

    p = Scenario(
        project=Project(name="p", id="p", start=MON),
        tasks=(Task("a", duration=Uniform(5, 15)), Task("b", duration=Uniform(5, 15))),
        correlations=(Correlation(0.5, tasks=("a", "b")),),
    )
    q = one_task("q", Uniform(5, 15))
    z = one_task("z", Uniform(5, 15))
    pf = portfolio(p, q, z, correlations=[PortfolioCorrelation(0.7, ("p:a", "q:a"))])
    n = 20_000
    r = simulate_portfolio(pf, iterations=n, seed=5)
    a, b = portfolio_durations(pf, "p", seed=5, count=n)
    (qa,) = portfolio_durations(pf, "q", seed=5, count=n)
    (za,) = portfolio_durations(pf, "z", seed=5, count=n)
    assert np.array_equal(qa, r.projects["q"].finish_days)
    assert np.array_equal(np.maximum(a, b), r.projects["p"].finish_days)
    se = 1 / math.sqrt(n - 3)
    assert abs(spearmanr(a, qa).statistic - 0.7) < 4 * se
    assert abs(spearmanr(a, b).statistic - 0.5) < 4 * se
    assert abs(spearmanr(qa, za).statistic) < 4 * se
    # z, which no correlation touches, keeps its standalone numbers.
    assert np.array_equal(za, simulate(z, iterations=n, seed=5).finish_days)


def test_inconsistent_correlations_across_projects_are_named():
    from pmo_sim import Uniform
    from pmo_sim.model.portfolio import PortfolioCorrelation
    from pmo_sim.model.scenario import Correlation

    p = Scenario(
        project=Project(name="p", id="p", start=MON),
        tasks=(Task("a", duration=Uniform(5, 15)), Task("b", duration=Uniform(5, 15))),
        correlations=(Correlation(0.9, tasks=("a", "b")),),
    )
    q = one_task("q", Uniform(5, 15))
    pf = portfolio(
        p,
        q,
        correlations=[
            PortfolioCorrelation(0.9, ("p:a", "q:a")),
            PortfolioCorrelation(-0.9, ("p:b", "q:a")),
        ],
    )
    with pytest.raises(ScenarioError, match="cannot hold together"):
        simulate_portfolio(pf, iterations=100, seed=1)


def test_a_checkpointed_portfolio_run_resumes_to_the_same_answer(tmp_path):
    """A run through a checkpoint, and its rerun loading every project's blocks from it,
    give the uncheckpointed answer bit for bit."""
    pf = load_portfolio(EXAMPLE)
    plain = simulate_portfolio(pf, iterations=3000, seed=8)
    first = simulate_portfolio(pf, iterations=3000, seed=8, checkpoint=tmp_path / "ck")
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == ["dc", "depot", "office"]
    again = simulate_portfolio(pf, iterations=3000, seed=8, checkpoint=tmp_path / "ck")
    for r in (first, again):
        assert np.array_equal(r.finish, plain.finish)
        assert np.array_equal(r.cost, plain.cost)
        for pid in plain.projects:
            assert_same_results(r.projects[pid], plain.projects[pid])
