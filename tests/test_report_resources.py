"""The "Resources" section of the HTML report: cost and load by resource, the levelled
run's delay due to resources and waiting tasks, and the demand chart; shown only when
the run has resources, with every number equal to ``Results.resources``."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import pmo_sim as p
from pmo_sim.cli import cli
from pmo_sim.report import plots
from pmo_sim.report.html import format_date, format_days, format_money, format_pct, render_report

N = 1000
START = dt.date(2027, 1, 4)


def _scenario(levelling: bool, with_resources: bool = True) -> p.Scenario:
    """Two tasks sharing one crane (capacity 1), then a finishing task for the crew."""
    crane = p.Resource("crane", name="Tower crane", rate=100, capacity=1)
    crew = p.Resource("crew", name="Steel crew", rate=p.Triangular(750, 800, 875), capacity=6)
    use = with_resources
    tasks = (
        p.Task(
            "a",
            name="Erect frame",
            duration=p.Triangular(5, 10, 20),
            resources=(p.Assignment("crane", 1), p.Assignment("crew", 3)) if use else (),
        ),
        p.Task(
            "b",
            name="Lift plant",
            duration=p.Triangular(5, 10, 20),
            resources=(p.Assignment("crane", 1),) if use else (),
        ),
        p.Task(
            "c",
            name="Fit out",
            duration=3,
            predecessors=("a", "b"),
            resources=(p.Assignment("crew", p.Triangular(2, 3, 5)),) if use else (),
        ),
    )
    return p.Scenario(
        p.Project("Depot", START, currency="GBP"),
        tasks,
        resources=(crane, crew) if use else (),
        simulation=p.SimulationSettings(levelling=levelling),
    )


@pytest.fixture(scope="module")
def levelled() -> tuple[p.Results, str]:
    r = p.simulate(_scenario(levelling=True), iterations=N, seed=1)
    return r, render_report(r)


@pytest.fixture(scope="module")
def unlevelled() -> tuple[p.Results, str]:
    r = p.simulate(_scenario(levelling=False), iterations=N, seed=1)
    return r, render_report(r)


def _section(page: str) -> str:
    found = re.search(r'<section id="resources">.*?</section>', page, re.S)
    assert found, "no resources section"
    return found.group(0)


def _rows(table_html: str) -> list[list[str]]:
    """The body rows of the first table in ``table_html``, cells unescaped."""
    body = re.search(r"<tbody>(.*?)</tbody>", table_html, re.S).group(1)
    return [
        [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _expected_resource_rows(r: p.Results) -> list[list[str]]:
    res = r.resources
    breakdown = res.cost_breakdown()
    return [
        [
            rid,
            res.names[k],
            "unlimited" if res.capacity[k] is None else f"{res.capacity[k]:g}",
            format_money(breakdown[rid]["mean"]),
            format_money(breakdown[rid]["p80"]),
            format_pct(res.profile.utilisation[k]),
            f"{res.profile.p80[k].max():.1f}",
        ]
        for k, rid in enumerate(res.ids)
    ]


def test_levelled_resource_table_matches_results(levelled):
    """One row per resource: capacity, mean and P80 cost, utilisation and peak P80 units
    as in ``r.resources``, with the currency in the cost header."""
    r, page = levelled
    section = _section(page)
    assert "<h2>Resources</h2>" in section
    assert "mean cost (GBP)" in section
    assert _rows(section) == _expected_resource_rows(r)
    assert _rows(section)[0][4] == format_money(r.resources.cost_breakdown()["crane"]["p80"])


def test_levelled_run_states_plan_finish_and_delay(levelled):
    """The levelled plan finish date and the delay due to resources (mean, P50, P80)."""
    r, page = levelled
    res = r.resources
    text = _text(_section(page))
    delay = res.delay(r.finish_days)
    assert f"finishes on {format_date(r.date_of(res.plan_finish))}" in text
    assert f"({format_days(res.plan_finish)} working days)" in text
    assert f"by {format_days(float(delay.mean()))} working days on average" in text
    assert f"P50 {format_days(float(np.percentile(delay, 50)))}" in text
    assert f"P80 {format_days(float(np.percentile(delay, 80)))}" in text
    assert "Not levelled" not in text


def test_levelled_run_lists_the_tasks_waiting_for_a_resource(levelled):
    """The waiting-task table lists only tasks that waited, most often first, by name."""
    r, page = levelled
    section = _section(page)
    waiting = section.split("Tasks most often waiting for a resource", 1)[1]
    waited = sorted(
        ((tid, s) for tid, s in r.resources.resource_driven.items() if s > 0),
        key=lambda kv: -kv[1],
    )[:10]
    assert waited, "the shared crane makes some task wait"
    names = {t.id: t.name for t in r.scenario.tasks}
    assert _rows(waiting) == [[tid, names[tid], format_pct(s)] for tid, s in waited]


def test_levelled_run_has_the_demand_chart(levelled):
    """The demand chart is inlined in the section, with the profile's period and size."""
    r, page = levelled
    section = _section(page)
    prof = r.resources.profile
    assert section.count('<figure id="chart-resources">') == 1
    assert re.search(r'<figure id="chart-resources"><img src="data:image/svg\+xml;base64,', section)
    period = float(prof.edges[1] - prof.edges[0])
    assert f"per period of {period:g} working day" in section
    assert f"over the first {prof.iterations:,} iterations" in section
    assert "busiest" not in section


def test_resources_section_follows_the_charts_and_precedes_tasks(levelled):
    """The section follows the charts and comes before the task table."""
    _, page = levelled
    assert page.index('id="charts"') < page.index('id="resources"') < page.index('id="tasks"')


def test_unlevelled_run_shows_costs_and_chart_but_no_delay(unlevelled):
    """Without levelling: the resource table and chart, a note instead of the delay, and
    no waiting-task table."""
    r, page = unlevelled
    assert not r.resources.levelled
    section = _section(page)
    assert _rows(section) == _expected_resource_rows(r)
    text = _text(section)
    assert "Not levelled" in text
    assert "delay the finish" not in text
    assert "Tasks most often waiting" not in text
    assert '<figure id="chart-resources">' in section


def test_report_without_resources_has_no_section():
    """A run without resources has no Resources section and no demand chart."""
    r = p.simulate(_scenario(levelling=False, with_resources=False), iterations=200, seed=1)
    assert r.resources is None
    page = render_report(r)
    assert 'id="resources"' not in page
    assert "chart-resources" not in page
    assert "<h2>Resources</h2>" not in page
    assert plots.resource_demand(r) is None


def test_many_resources_chart_keeps_the_busiest_and_says_so():
    """With more than six assigned resources the chart keeps the six busiest (in
    scenario order), says how many were left out, and skips unassigned ones; user text
    is escaped and an uncapped resource shows as unlimited."""
    resources = [
        p.Resource(f"r{i}", rate=10, capacity=None if i == 0 else float(i)) for i in range(8)
    ]
    resources.append(p.Resource("idle", name="Spare <rig> & co", rate=5))
    tasks = [
        p.Task(f"t{i}", duration=p.Triangular(5, 10, 20), resources=(p.Assignment(f"r{i}", 2),))
        for i in range(8)
    ]
    s = p.Scenario(p.Project("Many", START), tasks, resources=tuple(resources))
    r = p.simulate(s, iterations=300, seed=2)
    assert plots.assigned_resources(r) == list(range(8))
    # Two units against capacities 1..7: capacity 1, 2, ... are the busiest; r0 is uncapped.
    assert plots.charted_resources(r) == [1, 2, 3, 4, 5, 6]
    section = _section(render_report(r))
    assert "The chart shows the 6 busiest of the 8 resources with assignments" in section
    assert "Spare &lt;rig&gt; &amp; co" in section and "<rig>" not in section
    rows = {row[0]: row for row in _rows(section)}
    assert rows["r0"][2] == "unlimited" and rows["r0"][5] == "–"
    assert rows["idle"][3] == format_money(0.0)


def test_plot_command_writes_the_resource_chart(tmp_path):
    example = Path(__file__).resolve().parents[1] / "scenarios" / "fit_out.toml"
    res = CliRunner().invoke(cli, ["plot", str(example), "--out", str(tmp_path), "-n", "300", "-q"])
    assert res.exit_code == 0, res.output
    data = (tmp_path / "resources.png").read_bytes()
    assert data.startswith(b"\x89PNG")
