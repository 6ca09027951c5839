"""Charts: every plot function draws a readable PNG and a well-formed SVG, skips cleanly
when its data is absent, and keeps matplotlib out of ``import pmo_sim``."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image  # Pillow comes with matplotlib (the report extra)

import pmo_sim
from pmo_sim.report import plots

from .conftest import DATA

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
N = 1500


@pytest.fixture(scope="module")
def runs() -> tuple[pmo_sim.Results, pmo_sim.Results]:
    """The small costed register, ranked, and its post-mitigation run."""
    s = pmo_sim.load(DATA / "risk_register.toml")
    pre = pmo_sim.simulate(s, iterations=N, rank=True, ranking_iterations=500)
    post = pmo_sim.simulate(s, iterations=N, mitigated=True)
    return pre, post


@pytest.fixture(scope="module")
def bare() -> pmo_sim.Results:
    """A scenario without costs, risks, deadline or budget."""
    s = pmo_sim.Scenario(
        project=pmo_sim.Project(name="Bare", start=dt.date(2027, 1, 4)),
        tasks=(
            pmo_sim.Task("a", duration=pmo_sim.Triangular(2, 3, 6)),
            pmo_sim.Task("b", duration=pmo_sim.Pert(4, 5, 9), predecessors=("a",)),
            pmo_sim.Task("c", duration=pmo_sim.Uniform(1, 4), predecessors=("a",)),
            pmo_sim.Task("d", duration=1, predecessors=("b", "c")),
        ),
    )
    return pmo_sim.simulate(s, iterations=N, rank=True)


def draw(name: str, pre: pmo_sim.Results, post: pmo_sim.Results | None):
    return {
        "finish": lambda: plots.finish_histogram(pre),
        "cost": lambda: plots.cost_histogram(pre),
        "jcl": lambda: plots.jcl_scatter(pre),
        "risks": lambda: plots.risk_tornado(pre),
        "tasks": lambda: plots.task_tornado(pre),
        "mitigation": lambda: plots.mitigation_s_curves(pre, post),
        "resources": lambda: plots.resource_demand(pre),
    }[name]()


def assert_png(data: bytes) -> None:
    assert data[:8] == PNG_SIGNATURE
    with Image.open(io.BytesIO(data)) as im:
        im.verify()
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        assert im.width >= 1000 and im.height >= 300
        # Not a blank canvas: a chart has ink.
        assert np.asarray(im.convert("L")).min() < 100


def assert_svg(data: bytes) -> None:
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert float(root.get("width").removesuffix("pt")) > 0
    assert float(root.get("height").removesuffix("pt")) > 0
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 10


@pytest.mark.parametrize("name", plots.CHARTS)
def test_each_chart_writes_a_valid_png_and_svg(runs, name):
    """Each plot function draws on a small result; PNG and SVG read back."""
    if name == "resources":
        # The small result has no resources: a levelled example has them.
        example = Path(__file__).resolve().parents[1] / "scenarios" / "fit_out.toml"
        fig = plots.resource_demand(pmo_sim.simulate(pmo_sim.load(example), iterations=300))
    else:
        fig = draw(name, *runs)
    assert fig is not None
    assert_png(plots.to_bytes(fig, "png"))
    assert_svg(plots.to_bytes(fig, "svg"))


@pytest.mark.parametrize("fmt", plots.FORMATS)
def test_save_writes_files_by_extension_and_to_file_objects(runs, tmp_path, fmt):
    """save() picks the format from the extension, or takes it for a file object."""
    fig = plots.finish_histogram(runs[0])
    path = tmp_path / f"finish.{fmt}"
    plots.save(fig, path)
    data = path.read_bytes()
    (assert_png if fmt == "png" else assert_svg)(data)
    buf = io.BytesIO()
    plots.save(fig, buf, fmt)
    assert buf.getvalue() == data
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_bad_format_is_refused(runs):
    """An unknown format raises ValueError naming the formats; a file object needs one."""
    fig = plots.finish_histogram(runs[0])
    with pytest.raises(ValueError, match="png, svg"):
        plots.to_bytes(fig, "gif")
    with pytest.raises(ValueError, match="fmt"):
        plots.save(fig, io.BytesIO())


def test_charts_without_their_data_are_skipped(bare):
    """No costs, risks or post-mitigation run: those charts are None, the rest draw."""
    figs = plots.figures(bare)
    assert {k for k, v in figs.items() if v is None} == {
        "cost",
        "jcl",
        "risks",
        "mitigation",
        "resources",
    }
    assert_png(plots.to_bytes(figs["finish"], "png"))
    assert_png(plots.to_bytes(figs["tasks"], "png"))
    assert set(plots.ABSENT) >= {k for k, v in figs.items() if v is None}


def test_unranked_results_have_no_risk_tornado(runs):
    """Without the exclusion ranking the risk tornado is skipped, not drawn empty."""
    s = runs[0].scenario
    plain = pmo_sim.simulate(s, iterations=500)
    assert plain.risk_ranking is None
    assert plots.risk_tornado(plain) is None


def test_jcl_scatter_samples_with_a_fixed_stride(runs):
    """Large runs draw every k-th iteration, at most MAX_SCATTER_POINTS, always the same."""
    assert plots.scatter_sample(10_000) == slice(0, None, 2)
    assert plots.scatter_sample(4_000) == slice(0, None, 1)
    assert len(range(12_345)[plots.scatter_sample(12_345)]) <= plots.MAX_SCATTER_POINTS
    fig = plots.jcl_scatter(runs[0])
    (points,) = [c for c in fig.axes[0].collections if len(c.get_offsets()) > 100]
    assert len(points.get_offsets()) == N  # under the limit: every iteration


def test_jcl_quadrant_shares_add_up_and_match_jcl(runs):
    """The four quadrant labels sum to 100% and the lower-left one is the JCL."""
    pre = runs[0]
    fig = plots.jcl_scatter(pre)
    texts = [t.get_text() for t in fig.axes[0].texts]
    shares = [float(t.rsplit(": ", 1)[1].rstrip("%")) for t in texts]
    assert len(shares) == 4
    assert sum(shares) == pytest.approx(100.0, abs=0.25)
    (jcl,) = [t for t in texts if t.startswith("On time, within budget")]
    assert jcl.endswith(f"{100 * pre.jcl():.1f}%")


def test_finish_axis_is_labelled_with_dates(runs):
    """The finish histogram's x ticks are dates, and its legend names P50, P80, deadline."""
    pre = runs[0]
    fig = plots.finish_histogram(pre)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels and all(any(m in x for m in ("Jan", "Feb", "Mar", "Apr")) for x in labels)
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    p80 = pre.percentile_date(80)
    assert f"P80 {p80.day} {p80:%b %Y}" in legend
    assert any(x.startswith("Deadline 26 Feb 2027") for x in legend)


def test_risk_tornado_is_largest_first(runs):
    """Bars run from the largest P80 finish contribution down."""
    pre = runs[0]
    fig = plots.risk_tornado(pre)
    ax = fig.axes[0]
    widths = [p.get_width() for p in ax.patches]
    expected = sorted(pre.risk_ranking.p80_finish_contribution, reverse=True)
    assert widths == pytest.approx(expected)
    assert ax.yaxis_inverted()  # the first bar is drawn at the top


def test_user_text_draws_literally_and_without_warnings(tmp_path):
    """A $ in a name is text, not matplotlib math; glyphs the bundled font lacks (CJK,
    emoji) draw as boxes without a warning (warnings are errors in this suite)."""
    s = pmo_sim.Scenario(
        project=pmo_sim.Project(name="Budget $2M $$ project", start=dt.date(2027, 1, 4)),
        tasks=(
            pmo_sim.Task("a", name="Buy $5 parts 設計 🚀", duration=pmo_sim.Triangular(1, 2, 4)),
        ),
        risks=(
            pmo_sim.Risk(
                "R1", name="$ overrun", probability=0.5, impacts=(pmo_sim.Impact(("a",), delay=1),)
            ),
        ),
    )
    r = pmo_sim.simulate(s, iterations=300, rank=True)
    for fig in plots.figures(r).values():
        if fig is not None:
            assert_svg(plots.to_bytes(fig, "svg"))
            assert_png(plots.to_bytes(fig, "png"))


def test_svg_output_is_reproducible(runs):
    """The same results give byte-identical SVG (no timestamp, stable ids)."""
    a = plots.to_bytes(plots.cost_histogram(runs[0]), "svg")
    b = plots.to_bytes(plots.cost_histogram(runs[0]), "svg")
    assert a == b
    assert b"<dc:date>" not in a


def test_import_pmo_sim_does_not_import_matplotlib():
    """matplotlib loads only when a chart is drawn: `import pmo_sim` and the CLI stay light."""
    code = (
        "import sys, pmo_sim, pmo_sim.cli, pmo_sim.report.plots, pmo_sim.report.html; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_drawing_never_touches_pyplot(runs):
    """Charts are drawn on the Agg canvas without pyplot (no global figure registry)."""
    code = (
        "import sys, pmo_sim\n"
        "from pmo_sim.report import plots\n"
        f"s = pmo_sim.load({str(DATA / 'risk_register.toml')!r})\n"
        "r = pmo_sim.simulate(s, iterations=300, rank=True)\n"
        "figs = plots.figures(r)\n"
        "[plots.to_bytes(f, 'png') for f in figs.values() if f is not None]\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_task_chart_ranks_by_cruciality_and_leaves_milestones_out():
    """The task chart shows the tasks by |cruciality|, then criticality; a flagged
    milestone and a task of fixed zero duration are left out although always critical."""
    s = pmo_sim.Scenario(
        project=pmo_sim.Project(name="Gated", start=dt.date(2027, 1, 4)),
        tasks=(
            pmo_sim.Task("kickoff", milestone=True),
            pmo_sim.Task("a", duration=pmo_sim.Triangular(2, 3, 6), predecessors=("kickoff",)),
            pmo_sim.Task("gate", duration=0, predecessors=("a",)),
            pmo_sim.Task("b", duration=pmo_sim.Triangular(4, 5, 12), predecessors=("gate",)),
            pmo_sim.Task("c", duration=3, predecessors=("gate",)),
            pmo_sim.Task("d", duration=2, predecessors=("b", "c")),
            pmo_sim.Task("end", milestone=True, predecessors=("d",)),
        ),
    )
    r = pmo_sim.simulate(s, iterations=N)
    ids = s.task_ids
    crux = np.nan_to_num(np.abs(r.task_stats.cruciality))
    crit = r.task_stats.criticality
    assert crit[ids.index("kickoff")] == crit[ids.index("gate")] == 1.0
    expected = sorted(
        [ids.index(t) for t in ("a", "b", "d")], key=lambda i: (-crux[i], -crit[i], i)
    )
    assert plots.top_tasks(r) == expected
    fig = plots.task_tornado(r)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sorted(labels) == ["a", "b", "d"]
