"""The HTML report and the plot/report commands: the summary equals ``to_dict()``, the
file is self-contained and escaped, it stays small, it renders in a real browser
(headless Chromium), and the commands write their files atomically."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import pmo_sim
from pmo_sim.cli import cli
from pmo_sim.report.html import render_report

from .conftest import DATA, PROJECT_HEAD

REGISTER = DATA / "risk_register.toml"
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
N = 1500
CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def invoke(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def runs() -> tuple[pmo_sim.Results, pmo_sim.Results]:
    """The small costed register, ranked, and its post-mitigation run."""
    s = pmo_sim.load(REGISTER)
    pre = pmo_sim.simulate(s, iterations=N, rank=True, ranking_iterations=500)
    post = pmo_sim.simulate(s, iterations=N, mitigated=True)
    return pre, post


@pytest.fixture(scope="module")
def page(runs) -> str:
    pre, post = runs
    return render_report(pre, post, source_path=REGISTER, elapsed=1.25)


class _Collect(HTMLParser):
    """Elements with a data-key (and their text), every src/href, every tag name."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[dict] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.img_count = 0
        self._open: list[dict] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.img_count += tag == "img"
        self.links += [v for k, v in attrs if k in ("src", "href") and v is not None]
        if "data-key" in a:
            entry = {"key": a["data-key"], "value": a["data-value"], "text": ""}
            self.figures.append(entry)
            self._open.append(entry)

    def handle_endtag(self, tag):
        if tag == "span" and self._open:
            self._open.pop()

    def handle_data(self, data):
        self.text.append(data)
        for entry in self._open:
            entry["text"] += data


def parse(text: str) -> _Collect:
    p = _Collect()
    p.feed(text)
    return p


def lookup(doc: dict, key: str):
    for part in key.split("."):
        doc = doc[part]
    return doc


def expected_text(key: str, value, currency: str) -> str:
    """How the report must print a to_dict value (formats written out independently)."""
    if key.endswith("date"):
        d = dt.date.fromisoformat(value)
        return f"{d.day} {d:%b %Y}"
    if key.split(".")[-1] in ("p_deadline", "p_budget", "probability"):
        return f"{100 * value:.1f}%"
    return f"{value:,.0f} {currency}".strip()


def test_summary_numbers_equal_to_dict(runs, page):
    """Every summary figure carries its to_dict key and value, and prints that value."""
    pre = runs[0]
    doc = pre.to_dict()
    figures = parse(page).figures
    keys = {f["key"] for f in figures}
    assert {
        "finish.percentiles.50.date",
        "finish.percentiles.80.date",
        "finish.p_deadline",
        "cost.percentiles.50.value",
        "cost.percentiles.80.value",
        "cost.p_budget",
        "jcl.probability",
    } <= keys
    for f in figures:
        value = lookup(doc, f["key"])
        if isinstance(value, float):
            assert float(f["value"]) == value, f["key"]
        else:
            assert f["value"] == value, f["key"]
        assert f["text"] == expected_text(f["key"], value, "EUR"), f["key"]


def test_summary_comes_first(page):
    """The summary (P80 finish, chance of the deadline) precedes the first chart."""
    assert page.index('id="summary"') < page.index('id="charts"') < page.index("<img")
    assert page.index("finish.p_deadline") < page.index("<img")


def test_report_is_self_contained(page):
    """No external URL, no script, no stylesheet link: every image is a data URI."""
    p = parse(page)
    assert p.links, "the report has images"
    for link in p.links:
        assert not re.match(r"(?i)\s*(https?:)?//", link), link
        assert link.startswith("data:image/"), link
    assert "script" not in p.tags and "link" not in p.tags and "iframe" not in p.tags
    assert p.img_count == 6  # finish, cost, jcl, risks, tasks, mitigation
    assert "<style>" in page


def test_report_has_every_section(page, runs):
    """Risks, tasks, key dates, before/after, inputs and provenance are all there."""
    for section in (
        "summary",
        "charts",
        "mitigation",
        "risks",
        "tasks",
        "milestones",
        "inputs",
        "provenance",
    ):
        assert f'<section id="{section}">' in page, section
    text = "".join(parse(page).text)
    for risk in runs[0].scenario.risks:
        assert html.unescape(risk.name) in text
    assert "Correlations (rank)" in text and "mon-fri" in text


def test_provenance_names_file_hash_seed_and_settings(page, runs):
    """Version, scenario name and SHA-256, seed, iterations, sampling and run time."""
    pre = runs[0]
    text = " ".join(parse(page).text)
    assert hashlib.sha256(REGISTER.read_bytes()).hexdigest() in text
    assert REGISTER.name in text
    assert pmo_sim.__version__ in text
    assert str(pre.seed) in text and f"{N:,}" in text
    assert "Latin hypercube" in text and "1.25 s" in text


def test_user_text_is_escaped(tmp_path):
    """Names with markup appear as text, never as HTML."""
    evil = '<script>alert("x")</script> & <b>'
    s = pmo_sim.Scenario(
        project=pmo_sim.Project(name=evil, start=dt.date(2027, 1, 4), currency="<i>"),
        tasks=(
            pmo_sim.Task("a", name=evil, duration=pmo_sim.Triangular(1, 2, 4), wbs=evil),
            pmo_sim.Task("b", name="<img src=x>", duration=2, predecessors=("a",)),
        ),
        risks=(
            pmo_sim.Risk(
                "R1", name=evil, probability=0.5, impacts=(pmo_sim.Impact(("a",), delay=1),)
            ),
        ),
    )
    r = pmo_sim.simulate(s, iterations=300, rank=True)
    page = render_report(r)
    p = parse(page)
    assert "script" not in p.tags and "i" not in p.tags and p.img_count == 3
    assert html.escape(evil) in page
    assert evil in "".join(p.text)


def test_report_without_costs_or_risks(tmp_path):
    """A bare schedule still reports: finish figures, plan-date chance, no cost cards."""
    s = pmo_sim.Scenario(
        project=pmo_sim.Project(name="Bare", start=dt.date(2027, 1, 4)),
        tasks=(
            pmo_sim.Task("a", duration=pmo_sim.Triangular(2, 3, 6)),
            pmo_sim.Task("b", duration=pmo_sim.Pert(4, 5, 9), predecessors=("a",)),
        ),
    )
    r = pmo_sim.simulate(s, iterations=300)
    page = render_report(r)
    keys = {f["key"] for f in parse(page).figures}
    assert "finish.deterministic.probability" in keys
    assert not any(k.startswith(("cost.", "jcl.")) for k in keys)
    assert 'id="risks"' not in page and 'id="mitigation"' not in page
    assert "built in code" in page


def test_render_report_refuses_other_objects(runs):
    """render_report wants Results objects and says so."""
    with pytest.raises(TypeError, match=r"'results' must be a pmo_sim\.Results"):
        render_report({"finish": 1})
    with pytest.raises(TypeError, match="'post'"):
        render_report(runs[0], post="x")


def test_largest_example_scenario_report_is_under_3_mb(tmp_path):
    """The report of the biggest scenario in scenarios/, at its own settings, is < 3 MB."""
    largest = max(
        SCENARIOS.glob("*.toml"), key=lambda p: len(pmo_sim.load(p).tasks) + p.stat().st_size
    )
    out = tmp_path / "report.html"
    result = invoke("report", largest, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    assert out.stat().st_size < 3_000_000


# --- the commands ------------------------------------------------------------------------


def test_report_command_writes_the_file_and_prints_its_path(tmp_path):
    """pmo-sim report writes a complete HTML file atomically and prints the path."""
    out = tmp_path / "r.html"
    result = invoke("report", REGISTER, "-o", out, "-n", N, "--ranking-iterations", 300, "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_report_summary_matches_run_json(tmp_path):
    """The command's summary figures equal `pmo-sim run --json` on the same settings."""
    import json

    out = tmp_path / "r.html"
    args = [REGISTER, "-n", N, "--seed", 5, "-q"]
    assert invoke("report", *args, "-o", out).exit_code == 0
    run = invoke("run", *args, "--json", "--no-ranking")
    doc = json.loads(run.stdout)
    for f in parse(out.read_text(encoding="utf-8")).figures:
        value = lookup(doc, f["key"])
        assert f["value"] == (repr(value) if isinstance(value, float) else value), f["key"]


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_plot_command_writes_every_chart(tmp_path, fmt):
    """pmo-sim plot writes one file per chart into a new folder and lists them."""
    out = tmp_path / "charts" / "sub"
    result = invoke("plot", REGISTER, "--out", out, "--format", fmt, "-n", 600, "-q")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    # Every chart but the resource chart (the register scenario has no resources).
    charts = [c for c in pmo_sim.report.plots.CHARTS if c != "resources"]
    assert names == sorted(f"{c}.{fmt}" for c in charts)
    assert result.stdout.split() == [str(out / f"{c}.{fmt}") for c in charts]
    assert "note: no resources chart" not in result.output  # -q: no notes


def test_plot_command_notes_skipped_charts(scenario_file, tmp_path):
    """A scenario without costs or risks gets the charts it can have and a note per skip."""
    path = scenario_file(
        PROJECT_HEAD
        + """
[[tasks]]
id = "a"
duration = { dist = "triangular", min = 2, mode = 3, max = 6 }
"""
    )
    result = invoke("plot", path, "--out", tmp_path / "c", "-n", 300)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["finish.png", "tasks.png"]
    assert "note: no cost chart: the scenario has no costs" in result.stderr


def test_bad_input_exits_2_with_a_message(tmp_path, scenario_file):
    """Missing folder, a file as --out, a bad scenario: exit 2 and a clear message."""
    result = invoke("report", REGISTER, "-o", tmp_path / "nope" / "r.html")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    (tmp_path / "file").write_text("x")
    result = invoke("plot", REGISTER, "--out", tmp_path / "file")
    assert result.exit_code == 2
    bad = scenario_file(PROJECT_HEAD + '\n[[tasks]]\nid = "a"\nduration = -1\n')
    result = invoke("report", bad, "-o", tmp_path / "r.html")
    assert result.exit_code == 2
    assert "duration" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_missing_matplotlib_names_the_install_command(tmp_path, monkeypatch):
    """Without matplotlib both commands stop with exit 2 and `pip install ".[report]"`."""
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    for args in (["report", "-o", tmp_path / "r.html"], ["plot", "--out", tmp_path / "c"]):
        result = invoke(args[0], REGISTER, *args[1:])
        assert result.exit_code == 2
        assert 'pip install ".[report]"' in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_interrupted_report_keeps_the_old_file(tmp_path, monkeypatch):
    """Ctrl-C while the report is drawn: exit 130, the old file intact, no temporary file."""
    out = tmp_path / "r.html"
    out.write_text("old report")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("pmo_sim.report.html.render_report", interrupted)
    result = invoke("report", REGISTER, "-o", out, "-n", 300, "-q")
    assert result.exit_code == 130
    assert out.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_commands_have_help_with_examples():
    """plot --help and report --help explain the command and show examples."""
    for name in ("plot", "report"):
        result = invoke(name, "--help")
        assert result.exit_code == 0
        assert "Examples:" in result.output and f"pmo-sim {name} scenarios/" in result.output


# --- a real browser ---------------------------------------------------------------------

_PROBE = """<script>
window.addEventListener("load", function () {
  var sizes = [];
  for (var i = 0; i < document.images.length; i++) {
    var im = document.images[i];
    sizes.push(im.naturalWidth + "x" + im.naturalHeight);
  }
  document.body.setAttribute("data-image-sizes", sizes.join(" "));
  document.body.setAttribute("data-summary-text", document.getElementById("summary").innerText);
});
</script>"""


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(tmp_path, runs, page):
    """Chromium loads the report: a non-blank screenshot, the summary numbers on the page,
    and every image decoded with a non-zero natural size."""
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,4000", report.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as im:
        assert im.size == (1280, 4000)
        grey = np.asarray(im.convert("L"))
    assert grey.min() < 60 and grey.std() > 10  # text and charts, not a blank page

    # A copy with a probe script: it writes what the browser decoded into the DOM.
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    done = _chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", done.stdout)
    assert body, done.stdout[:500]
    attrs = dict((k, html.unescape(v)) for k, v in re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))
    sizes = attrs["data-image-sizes"].split()
    assert len(sizes) == parse(page).img_count == 6
    for size in sizes:
        w, h = (int(x) for x in size.split("x"))
        assert w > 0 and h > 0, sizes
    summary = attrs["data-summary-text"]
    doc = runs[0].to_dict()
    for f in parse(page).figures:
        assert expected_text(f["key"], lookup(doc, f["key"]), "EUR") in summary, f["key"]


def test_task_table_and_summary_leave_milestones_out(runs, page):
    """The report's task table and its "task driving the finish" line skip the register's
    milestones (kickoff, handover), critical in every iteration, and lead with the most
    crucial task."""
    pre = runs[0]
    section = page.split('<section id="tasks">', 1)[1].split("</section>", 1)[0]
    tasks = section.split("<h3>", 1)[0]  # the task table, before the merge-bias table
    assert pre.criticality["kickoff"] == pre.criticality["handover"] == 1.0
    assert "kickoff" not in tasks and "handover" not in tasks
    ids = pre.scenario.task_ids
    crux = np.nan_to_num(np.abs(pre.task_stats.cruciality))
    top = ids[int(np.argmax(crux))]
    assert f"the task driving the finish most is <b>{top}</b>" in page
    rows = re.findall(r"<tr><td[^>]*>([^<]+)</td>", tasks)
    assert rows == sorted(["design", "permit", "build", "test"], key=lambda t: -crux[ids.index(t)])
