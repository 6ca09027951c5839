"""The history of recorded runs: the store (SQLite and a real PostgreSQL server), its
reliability (concurrent writers, a writer killed mid-record, bad databases refused
before a run), the trend, and the commands.

PostgreSQL tests run against the server named by ``PMO_SIM_TEST_POSTGRES`` (a URL such
as ``postgresql://pmo:pmo@localhost/pmo_test``), which ``.ci/run`` installs and starts;
each test works in a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

sa = pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from click.testing import CliRunner  # noqa: E402

from pmo_sim import load, simulate  # noqa: E402
from pmo_sim.cli import cli  # noqa: E402
from pmo_sim.history import HistoryError, RunRecord, open_history, record_of  # noqa: E402
from pmo_sim.history.records import pack, unpack  # noqa: E402
from pmo_sim.history.trend import trend, trend_dict  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
UPDATES = sorted((ROOT / "scenarios" / "updates").glob("office_*.toml"))
POSTGRES = os.environ.get("PMO_SIM_TEST_POSTGRES")


def fake_record(seed: int = 1, day: dt.date = dt.date(2027, 3, 1), project: str = "p") -> RunRecord:
    """A small record that needs no simulation (the store does not look inside)."""
    finish = np.arange(200, dtype=np.float64) + seed
    doc = {
        "finish": {
            "deterministic": {"days": 100.0, "date": "2027-08-02"},
            "percentiles": {
                q: {"days": 100.0 + int(q), "date": f"2027-08-{int(q) // 10 + 10:02d}"}
                for q in ("10", "50", "80", "90")
            },
            "p_deadline": 0.5,
        },
        "risks": {"R1": {"status": "open", "p80_finish_contribution_days": 2.0}},
    }
    return RunRecord(
        project_id=project,
        project_name=f"Project {project}",
        data_date=day,
        command="run",
        source="test.toml",
        scenario_text=f"scenario {project} {day}",
        seed=seed,
        iterations=200,
        sampling="lhs",
        mitigated=False,
        result=doc,
        finish_days=finish,
        cost=finish * 1000.0,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path: Path):
    """A fresh history: an SQLite file, or a schema of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "history.sqlite")
        return
    if not POSTGRES:
        pytest.skip("PMO_SIM_TEST_POSTGRES names no PostgreSQL server (.ci/run starts one)")
    yield from _postgres_schema()


def _postgres_schema():
    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES else "?"
    try:
        yield f"{POSTGRES}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# ----------------------------------------------------------------------- the store


def test_a_record_reads_back_exactly(target) -> None:
    h = open_history(target)
    rec = fake_record()
    done = h.record(rec)
    assert done.stored and done.run_id > 0
    back = h.load(done.run_id)
    assert back.project_id == "p" and back.data_date == rec.data_date
    assert back.scenario_sha256 == rec.scenario_sha256 and back.scenario_text == rec.scenario_text
    assert back.result == rec.result
    assert np.array_equal(back.finish_days, rec.finish_days)
    assert np.array_equal(back.cost, rec.cost)
    assert back.seed == 1 and back.iterations == 200 and back.sampling == "lhs"
    # Opening again finds the schema in place and changes nothing.
    assert [r.id for r in open_history(target).runs()] == [done.run_id]


def test_the_same_update_twice_is_stored_once(target) -> None:
    h = open_history(target)
    first = h.record(fake_record())
    again = h.record(fake_record())
    assert not again.stored and again.run_id == first.run_id
    assert "already recorded" in again.notes[0] and "SHA-256" in again.notes[0]
    other_seed = h.record(fake_record(seed=2))
    assert other_seed.stored
    assert len(h.runs()) == 2


def test_an_older_update_is_kept_and_ordered_by_data_date(target) -> None:
    h = open_history(target)
    h.record(fake_record(day=dt.date(2027, 5, 3)))
    late = h.record(fake_record(day=dt.date(2027, 4, 1)))
    assert late.stored and "before the latest recorded update" in late.notes[0]
    assert [u.data_date for u in h.updates("p")] == [dt.date(2027, 4, 1), dt.date(2027, 5, 3)]


def test_packed_arrays_round_trip() -> None:
    values = np.random.default_rng(1).normal(size=10_000)
    assert np.array_equal(unpack(pack(values)), values)
    assert len(pack(np.zeros(10_000))) < 1_000  # compressed


def _write_many(target: str, worker: int, count: int) -> None:
    h = open_history(target)
    for k in range(count):
        h.record(fake_record(seed=worker * 1000 + k, project=f"proj{worker % 3}"))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_eight_processes_record_400_runs_at_once(kind: str, tmp_path: Path) -> None:
    """Eight processes each record 50 runs into one history at the same time: all 400
    arrive, none twice."""
    if kind == "sqlite":
        gen = iter([str(tmp_path / "shared.sqlite")])
    else:
        if not POSTGRES:
            pytest.skip("PMO_SIM_TEST_POSTGRES names no PostgreSQL server (.ci/run starts one)")
        gen = _postgres_schema()
    target = next(gen)
    try:
        ctx = multiprocessing.get_context("spawn")
        procs = [ctx.Process(target=_write_many, args=(target, w, 50)) for w in range(8)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(300)
            assert p.exitcode == 0
        runs = open_history(target).runs()
        assert len(runs) == 400
        assert len({(r.project_id, r.seed) for r in runs}) == 400
        assert len({r.id for r in runs}) == 400
    finally:
        for _ in gen:
            pass


KILL_SCRIPT = """
import sys, time
from tests.test_history import fake_record
from pmo_sim.history import open_history
h = open_history(sys.argv[1])
def hang():
    print("written", flush=True)
    time.sleep(60)
h.record(fake_record(seed=99), on_written=hang)
"""


def test_a_record_killed_mid_write_leaves_the_history_as_it_was(target) -> None:
    h = open_history(target)
    h.record(fake_record(seed=1))
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, target],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout.readline().strip() == b"written"  # inside the transaction
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
        child.stdout.close()
    time.sleep(0.2)
    after = open_history(target)
    assert [r.seed for r in after.runs()] == [1]
    assert after.record(fake_record(seed=2)).stored  # and it still takes records


# ----------------------------------------------------------------- bad databases


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "notes.sqlite"
    bad.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(HistoryError, match="not an SQLite database"):
        open_history(bad)
    assert bad.read_text().startswith("these are my notes")  # untouched


def test_a_foreign_sqlite_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    with pytest.raises(HistoryError, match="not a pmo-sim history"):
        open_history(other)
    with sqlite3.connect(other) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"invoices"}


def test_a_history_from_a_newer_pmo_sim_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    open_history(path).record(fake_record())
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(HistoryError, match=r"newer pmo-sim .*9999"):
        open_history(path)


def test_a_history_that_cannot_be_created_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(HistoryError, match="cannot be opened or created"):
        open_history(blocker / "history.sqlite")


def test_a_read_only_history_is_refused_on_opening(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    open_history(path).record(fake_record())
    with pytest.raises(HistoryError, match="cannot be written"):
        open_history(f"sqlite:///file:{path}?mode=ro&uri=true")


def test_an_unreachable_postgresql_server_is_refused() -> None:
    with pytest.raises(HistoryError, match="cannot be reached"):
        open_history("postgresql://nobody@127.0.0.1:1/none")


def test_a_bad_history_stops_a_run_before_it_simulates(tmp_path: Path, monkeypatch) -> None:
    """Exit 2 with the reason, and no simulation started (it would be wasted)."""
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database")
    import pmo_sim.cli.run as run_cli

    def no_run(*args, **kwargs):
        raise AssertionError("the simulation ran")

    monkeypatch.setattr(run_cli, "simulate_with_progress", no_run)
    result = CliRunner().invoke(
        cli, ["run", str(UPDATES[0]), "--record", "--history", str(bad), "-q"]
    )
    assert result.exit_code == 2, result.output
    assert "not an SQLite database" in result.output
    assert "Traceback" not in result.output


# ----------------------------------------------------------------------- the trend


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> str:
    """The four shipped monthly updates, recorded through the command line."""
    path = str(tmp_path_factory.mktemp("trend") / "history.sqlite")
    runner = CliRunner()
    for update in UPDATES:
        result = runner.invoke(
            cli, ["record", str(update), "-n", "2000", "--history", path, "-q", "--json"]
        )
        assert result.exit_code == 0, result.output
    return path


def test_the_shipped_updates_show_a_trend(recorded: str) -> None:
    assert len(UPDATES) == 4
    h = open_history(recorded)
    assert h.projects() == ["office-move"]
    updates = trend(h, "office-move")
    assert [u.run.data_date for u in updates] == [
        dt.date(2027, 3, 1),
        dt.date(2027, 4, 1),
        dt.date(2027, 5, 4),
        dt.date(2027, 6, 1),
    ]
    # Progress and retired risks narrow the spread: P90 - P10 shrinks update by update.
    spread = [u.finish_days("90") - u.finish_days("10") for u in updates]
    assert spread[-1] < spread[0]
    # R1 occurred and R2 closed in May: they leave the drawdown; the open risks stay.
    assert updates[0].drawdown["R1"] > 0 and updates[0].drawdown["R2"] > 0
    assert "R1" not in updates[2].drawdown and "R2" not in updates[2].drawdown
    assert sum(updates[-1].drawdown.values()) < sum(updates[0].drawdown.values())
    for u in updates:  # the figures are the stored run's, recomputed from its arrays
        stored = h.load(u.run.id)
        assert u.finish_days("80") == pytest.approx(np.percentile(stored.finish_days, 80))
        det = u.doc["finish"]["deterministic"]["days"]
        assert u.contingency_days == pytest.approx(u.finish_days("80") - det)


def test_trend_json_gives_one_update_per_data_date(recorded: str) -> None:
    result = CliRunner().invoke(cli, ["trend", "--history", recorded, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["project"] == "office-move" and doc["deadline"] == "2027-09-10"
    dates = [u["data_date"] for u in doc["updates"]]
    assert dates == sorted(dates) and len(dates) == 4
    first = doc["updates"][0]
    for key in ("finish", "cost", "jcl", "contingency_days", "drawdown"):
        assert key in first, key
    assert set(first["finish"]["percentiles"]) >= {"10", "50", "80", "90"}
    assert 0 <= first["jcl"]["probability"] <= 1
    assert doc == trend_dict("office-move", trend(open_history(recorded), "office-move"))


def test_trend_charts_and_table(recorded: str, tmp_path: Path) -> None:
    out = tmp_path / "charts"
    result = CliRunner().invoke(cli, ["trend", "--history", recorded, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2027-06-01" in result.output and "contingency" in result.output
    for name in ("trend-finish", "trend-deadline", "trend-drawdown"):
        data = (out / f"{name}.png").read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, name


def test_trend_charts_leave_room_for_their_labels_and_skip_silent_risks(recorded: str) -> None:
    """The slanted dates and the axis label sit inside each chart (a short chart used to
    clip them); a risk with no exposure in any update gets no band in the legend."""
    pytest.importorskip("matplotlib")
    from dataclasses import replace

    from pmo_sim.history.trend import Update
    from pmo_sim.report.trend_charts import trend_figures

    updates = trend(open_history(recorded), "office-move")
    silent = []
    for u in updates:
        summary = json.loads(json.dumps(u.run.summary))
        summary["risks"]["QUIET"] = {"status": "open", "p80_finish_contribution_days": 0.0}
        silent.append(Update(replace(u.run, summary=summary)))
    figures = trend_figures(silent, "2027-09-10")
    for name, fig in figures.items():
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            box = ax.xaxis.label.get_window_extent(renderer)
            assert box.y0 >= 0, (name, box)
            for tick in ax.get_xticklabels():
                assert tick.get_window_extent(renderer).y0 >= 0, (name, tick.get_text())
    legend = [t.get_text() for t in figures["trend-drawdown"].axes[0].get_legend().get_texts()]
    assert "QUIET" not in legend and "R3" in legend


def test_the_run_report_says_a_risk_is_closed_or_occurred(recorded: str) -> None:
    """The June update holds R1 (occurred) and R2 (closed): the risk tables give their
    status, not an occurrence rate of 0.0% (they are not simulated)."""
    result = CliRunner().invoke(cli, ["run", str(UPDATES[-1]), "-n", "500"])
    assert result.exit_code == 0, result.output
    rows = {
        line.split()[0]: line for line in result.output.splitlines() if line[:2] in ("R1", "R2")
    }
    assert rows["R1"].rstrip().endswith("occurred") or " occurred " in rows["R1"]
    assert rows["R2"].rstrip().endswith("closed") or " closed " in rows["R2"]
    assert "0.0%" not in rows["R1"] + rows["R2"]


def test_history_lists_the_runs(recorded: str) -> None:
    result = CliRunner().invoke(cli, ["history", "--history", recorded, "--json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.output)["runs"]
    assert [r["data_date"] for r in runs] == [
        "2027-03-01",
        "2027-04-01",
        "2027-05-04",
        "2027-06-01",
    ]
    assert all(len(r["scenario_sha256"]) == 64 for r in runs)
    assert all(
        dt.datetime.fromisoformat(r["recorded_at"]).utcoffset() == dt.timedelta(0) for r in runs
    )
    nope = CliRunner().invoke(cli, ["history", "--history", recorded, "--project", "nope"])
    assert nope.exit_code == 2
    assert "no runs of project 'nope'" in nope.output and "office-move" in nope.output


def test_history_table_keeps_long_ids_whole_and_says_mitigated(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    h = open_history(path)
    long_id = "capital-programme-2027-north-campus-refurbishment"
    h.record(fake_record(project=long_id))
    h.record(__import__("dataclasses").replace(fake_record(project="p"), mitigated=True))
    result = CliRunner().invoke(cli, ["history", "--history", str(path)])
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert "mitigated" in header and "recorded (UTC)" in header
    long_row = next(r for r in rows if long_id in r)
    assert f" {long_id}  2027-03-01" in long_row and long_row.split()[-3] == "no"
    short_row = next(r for r in rows if " p " in r)
    assert short_row.split()[-3] == "yes"


def test_trend_of_an_unknown_project_is_a_clear_error(recorded: str) -> None:
    result = CliRunner().invoke(cli, ["trend", "--history", recorded, "--project", "nope"])
    assert result.exit_code == 2
    assert "no runs of project 'nope'" in result.output and "office-move" in result.output


def test_trend_table_gives_cost_budget_and_open_risk_exposure(recorded: str) -> None:
    result = CliRunner().invoke(cli, ["trend", "--history", recorded])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("data date"))
    for column in ("P50 cost", "P80 cost", "P(budget)", "JCL", "open risks"):
        assert column in header, column
    doc = trend_dict("office-move", trend(open_history(recorded), "office-move"))
    for u in doc["updates"]:
        row = next(line for line in lines if line.startswith(u["data_date"]))
        cost = u["cost"]
        assert f"{cost['percentiles']['50']['value']:,.0f}" in row
        assert f"{100 * cost['p_budget']:.1f}%" in row
        assert f"{sum(u['drawdown'].values()):.1f} d" in row


def test_trend_follows_the_plan_and_mitigated_runs_are_their_own(tmp_path: Path) -> None:
    """compare SCENARIO --record stores both registers at one data date: the trend is
    of the unmitigated runs, --mitigated of the others; neither hides the other."""
    from dataclasses import replace

    path = tmp_path / "h.sqlite"
    h = open_history(path)
    plain = fake_record()
    doc = json.loads(json.dumps(plain.result))
    doc["finish"]["p_deadline"] = 0.9
    h.record(plain)
    h.record(replace(plain, mitigated=True, result=doc))  # recorded last
    assert [u.run.mitigated for u in trend(h, "p")] == [False]
    assert [u.run.mitigated for u in trend(h, "p", mitigated=True)] == [True]
    runner = CliRunner()
    as_is = json.loads(runner.invoke(cli, ["trend", "--history", str(path), "--json"]).output)
    after = json.loads(
        runner.invoke(cli, ["trend", "--history", str(path), "--json", "--mitigated"]).output
    )
    assert as_is["updates"][0]["finish"]["p_deadline"] == 0.5 and not as_is["mitigated"]
    assert after["updates"][0]["finish"]["p_deadline"] == 0.9 and after["mitigated"]
    only = tmp_path / "only.sqlite"
    open_history(only).record(fake_record())
    none = runner.invoke(cli, ["trend", "--history", str(only), "--mitigated"])
    assert none.exit_code == 2 and "no runs after mitigation" in none.output


def test_a_repeated_record_is_found_before_it_simulates(tmp_path: Path, monkeypatch) -> None:
    path = str(tmp_path / "h.sqlite")
    args = ["record", str(UPDATES[0]), "-n", "500", "--no-ranking", "--history", path]
    first = CliRunner().invoke(cli, [*args, "-q", "--json"])
    assert first.exit_code == 0, first.output
    import pmo_sim.cli.history as history_cli

    calls = []

    def no_run(*args, **kwargs):
        calls.append(kwargs)
        raise AssertionError("the simulation ran again")

    monkeypatch.setattr(history_cli, "simulate_with_progress", no_run)
    again = CliRunner().invoke(cli, [*args, "--json"])
    assert calls == []
    assert again.exit_code == 0, again.output
    assert "already recorded as run 1" in again.stderr and "mitigation" in again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)
    assert len(open_history(path).runs()) == 1
    # Another seed is another run: it simulates (here, into the stub).
    CliRunner().invoke(cli, [*args, "--seed", "99"])
    assert len(calls) == 1 and calls[0]["seed"] == 99


def test_reading_commands_never_create_a_history(target, tmp_path: Path) -> None:
    """history, trend, dashboard, compare by date and report --history read: where no
    history is, they say how to start one (exit 2) and create nothing."""
    runner = CliRunner()
    reads = [
        ["history"],
        ["history", "--json"],
        ["trend"],
        ["dashboard", "-o", str(tmp_path / "pmo.html")],
        ["compare", "2027-04-01", "2027-05-04"],
        ["report", str(UPDATES[0]), "-q", "-o", str(tmp_path / "r.html")],
    ]
    for args in reads:
        result = runner.invoke(cli, [*args, "--history", target])
        assert result.exit_code == 2, (args, result.output)
        assert "no history here yet" in result.output and "pmo-sim record" in result.output
    if "://" not in target:
        assert not Path(target).exists()
    else:  # PostgreSQL: the schema is still empty
        assert open_history(target).runs() == []


def test_an_empty_history_says_how_to_record(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    open_history(path)  # created, with its schema, and nothing recorded
    runner = CliRunner()
    for args in (["trend"], ["dashboard"], ["compare", "2027-04-01", "2027-05-04"]):
        result = runner.invoke(cli, [*args, "--history", str(path)])
        assert result.exit_code == 2, (args, result.output)
        assert "no runs recorded yet" in result.output and "pmo-sim record" in result.output


def test_a_read_only_history_can_be_read(tmp_path: Path) -> None:
    """A history opened read-only (SQLite's mode=ro; a read-only file or role alike)
    serves the reading commands; a record into it is refused before it runs."""
    path = tmp_path / "h.sqlite"
    open_history(path).record(fake_record())
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    assert [r.project_id for r in open_history(read_only, write=False).runs()] == ["p"]
    result = CliRunner().invoke(cli, ["history", "--history", read_only, "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["runs"]) == 1
    listed = CliRunner().invoke(cli, ["trend", "--history", read_only, "--json"])
    assert listed.exit_code == 0 and json.loads(listed.output)["project"] == "p"
    write = CliRunner().invoke(cli, ["record", str(UPDATES[0]), "--history", read_only])
    assert write.exit_code == 2 and "cannot be written" in write.output


def test_options_that_would_do_nothing_are_refused(tmp_path: Path, monkeypatch) -> None:
    """Options a command would ignore stop it before it runs, saying why."""
    import pmo_sim.cli.history as history_cli
    import pmo_sim.cli.run as run_cli

    def no_run(*args, **kwargs):
        raise AssertionError("the simulation ran")

    monkeypatch.setattr(run_cli, "simulate_with_progress", no_run)
    monkeypatch.setattr(history_cli, "simulate_with_progress", no_run)
    path = str(tmp_path / "h.sqlite")
    runner = CliRunner()
    cases = {
        ("run", str(UPDATES[0]), "--history", path): "add --record",
        ("compare", str(UPDATES[0]), "--history", path): "add --record",
        ("compare", str(UPDATES[0]), str(UPDATES[1]), "--history", path): "two scenario files",
        ("compare", str(UPDATES[0]), str(UPDATES[1]), "--project", "x"): "two scenario files",
        (
            "compare",
            str(ROOT / "scenarios" / "office_move.toml"),
            "--project",
            "x",
        ): "names its own",
        ("record", str(UPDATES[0]), "--project", "x", "--history", path): "--project applies",
        ("record", str(UPDATES[0]), "--ranges", str(UPDATES[1]), "--start", "2027-01-04"): (
            "--ranges, --start apply"
        ),
    }
    for args, says in cases.items():
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 2, (args, result.output)
        assert says in result.output, (args, result.output)
    assert not Path(path).exists()


def test_history_urls_and_labels() -> None:
    from pmo_sim.history import target_of

    url, label = target_of("postgresql://pmo:secret@db.example/pmo")
    assert url.startswith("postgresql+psycopg://") and "secret" in url
    assert label == "postgresql://pmo:***@db.example/pmo"  # as written, no password
    url, label = target_of("sqlite:///team.sqlite")
    assert url == f"sqlite:///{Path('team.sqlite').absolute()}" and label == "team.sqlite"
    for bad in ("sqlite://", "sqlite:///", "sqlite:///:memory:"):
        with pytest.raises(HistoryError, match="name the SQLite file"):
            target_of(bad)


def test_run_record_stores_what_run_json_prints(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    args = ["run", str(UPDATES[1]), "-n", "1000", "--json", "--no-ranking"]
    result = CliRunner().invoke(cli, [*args, "--record", "--history", str(path)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    (run,) = open_history(path).runs()
    assert run.result is None  # the listing reads summaries only
    stored = open_history(path).load(run.id)
    assert stored.result == printed
    assert run.summary == {k: v for k, v in printed.items() if k != "tasks"}
    assert run.command == "run" and run.iterations == 1000
    assert stored.scenario_text == UPDATES[1].read_text(encoding="utf-8")


def test_the_environment_names_the_default_history(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "env.sqlite"
    monkeypatch.setenv("PMO_SIM_HISTORY", str(path))
    s = load(UPDATES[0])
    r = simulate(s, iterations=500, seed=3)
    open_history().record(record_of(r, "text", command="run", source="x"))
    assert [run.project_id for run in open_history(path).runs()] == ["office-move"]


# ----------------------------------------------------------------- the dashboard

CHROMIUM = __import__("shutil").which("chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _dashboard_history(path: Path) -> str:
    """Three projects: one slipping (red), one steady (amber), one improving (green)."""
    h = open_history(path)
    shapes = {"slipping": (0.3, 5), "steady": (0.6, 0), "improving": (0.9, -4)}
    for pid, (p, step) in shapes.items():
        for k, month in enumerate((3, 4, 5)):
            rec = fake_record(seed=k, day=dt.date(2027, month, 1), project=pid)
            doc = json.loads(json.dumps(rec.result))
            doc["finish"]["p_deadline"] = p
            doc["finish"]["deadline"] = "2027-09-10"
            doc["finish"]["percentiles"]["80"]["date"] = (
                dt.date(2027, 9, 1) + dt.timedelta(days=step * k)
            ).isoformat()
            doc["finish"]["percentiles"]["80"]["days"] = 120.0 + step * k  # working days
            h.record(__import__("dataclasses").replace(rec, result=doc))
    return str(path)


def test_dashboard_marks_each_project(tmp_path: Path) -> None:
    target = _dashboard_history(tmp_path / "h.sqlite")
    out = tmp_path / "pmo.html"
    result = CliRunner().invoke(cli, ["dashboard", "--history", target, "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    import re

    rows = dict(re.findall(r'<tr data-project="(\w+)">(.*?)</tr>', page))
    assert set(rows) == {"slipping", "steady", "improving"}
    assert 'data-rag="red"' in rows["slipping"] and "30.0%" in rows["slipping"]
    assert 'data-rag="amber"' in rows["steady"] and "60.0%" in rows["steady"]
    assert 'data-rag="green"' in rows["improving"] and "90.0%" in rows["improving"]
    # The change is in working days, as the trend and the waterfall count it.
    assert "5.0 working days later" in rows["slipping"] and "&#9650;" in rows["slipping"]
    assert "4.0 working days earlier" in rows["improving"] and "&#9660;" in rows["improving"]
    assert "no change" in rows["steady"]
    assert page.index('data-project="slipping"') < page.index('data-project="improving"')
    for pid in rows:  # each row links to its project's section
        assert f'href="#trend-{pid}"' in rows[pid] and f'id="trend-{pid}"' in page
    assert "<svg" in rows["steady"]  # the trend line


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_dashboard_renders_in_headless_chromium(tmp_path: Path) -> None:
    from PIL import Image

    target = _dashboard_history(tmp_path / "h.sqlite")
    out = tmp_path / "pmo.html"
    assert (
        CliRunner().invoke(cli, ["dashboard", "--history", target, "-o", str(out)]).exit_code == 0
    )
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,900",
            out.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as im:
        rgb = np.asarray(im.convert("RGB")).astype(int)
    grey = rgb.mean(axis=2)
    assert grey.min() < 60 and grey.std() > 10  # text, not a blank page
    # The three marks are drawn: red, amber and green pixels (the CSS variables).
    for colour in ((0xC0, 0x39, 0x2B), (0xD9, 0x82, 0x2B), (0x2E, 0x8B, 0x57)):
        near = np.abs(rgb - np.array(colour)).sum(axis=2) < 30
        assert near.sum() > 20, colour


def test_dashboard_of_50_projects_by_24_updates_is_quick_enough_to_render(tmp_path: Path) -> None:
    """Rendering reads stored documents only (the timing is in benchmarks/)."""
    h = open_history(tmp_path / "big.sqlite")
    for k in range(3):
        h.record(fake_record(seed=k, day=dt.date(2027, 1 + k, 1), project=f"p{k}"))
    from pmo_sim.report.dashboard import render_dashboard

    page = render_dashboard(h)
    assert page.count("<tr data-project=") == 3


def test_report_with_the_history_gains_a_trend_section(recorded: str, tmp_path: Path) -> None:
    out = tmp_path / "june.html"
    result = CliRunner().invoke(
        cli,
        ["report", str(UPDATES[-1]), "--history", recorded, "-n", "500", "-q", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    section = page.split('<section id="trend">', 1)[1].split("</section>", 1)[0]
    for day in ("2027-03-01", "2027-04-01", "2027-05-04", "2027-06-01"):
        assert day in section
    assert 'id="chart-trend"' in section
    alone = tmp_path / "alone.html"
    CliRunner().invoke(cli, ["report", str(UPDATES[-1]), "-n", "500", "-q", "-o", str(alone)])
    assert 'id="trend"' not in alone.read_text(encoding="utf-8")


def test_report_record_stores_the_run(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            str(UPDATES[0]),
            "--record",
            "--history",
            str(path),
            "-n",
            "500",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    (run,) = open_history(path).runs()
    assert run.command == "report" and run.iterations == 500


def test_compare_record_stores_both_registers(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    scenario = ROOT / "scenarios" / "office_move.toml"
    result = CliRunner().invoke(
        cli, ["compare", str(scenario), "--record", "--history", str(path), "-n", "500", "-q"]
    )
    assert result.exit_code == 0, result.output
    runs = open_history(path).runs()
    assert sorted(r.mitigated for r in runs) == [False, True]
    assert {r.command for r in runs} == {"compare"}
    both = CliRunner().invoke(cli, ["compare", str(UPDATES[0]), str(UPDATES[1]), "--record"])
    assert both.exit_code == 2 and "pmo-sim record" in both.output


def test_bad_inputs_touched_by_the_history_exit_2(tmp_path: Path, monkeypatch) -> None:
    """A new user's trial found these ending in an internal error (exit 1)."""
    runner = CliRunner()
    path = str(tmp_path / "h.sqlite")
    bad_date = runner.invoke(cli, ["compare", "2027-13-01", "2027-05-04", "--history", path])
    assert bad_date.exit_code == 2 and "not a valid date" in bad_date.output
    other = runner.invoke(cli, ["history", "--history", "mysql://a@b/c"])
    assert other.exit_code == 2 and "other databases are not supported" in other.output
    import builtins

    real = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    out = tmp_path / "charts"
    charts = runner.invoke(cli, ["trend", "--history", path, "--out", str(out)])
    assert charts.exit_code == 2 and 'pip install ".[report]"' in charts.output
    assert not out.exists()


def test_small_messages_read_right(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "h.sqlite"
    open_history(path).record(fake_record())
    one = runner.invoke(cli, ["dashboard", "--history", str(path), "-o", str(tmp_path / "d.html")])
    assert one.exit_code == 0 and "wrote" in one.output and ": 1 project\n" in one.output
    notes = tmp_path / "notes.txt"
    notes.write_text("nothing here\n")
    table = runner.invoke(cli, ["record", str(notes), "--history", str(path)])
    assert table.exit_code == 2 and "--start 2027-01-04" in table.output
    assert "pmo-sim import" not in table.output  # the hint fits record as well as import
    help_text = runner.invoke(cli, ["trend", "--help"]).output
    assert "The history to read" in help_text and "record into" not in help_text


def test_no_output_replaces_the_history(tmp_path: Path, monkeypatch) -> None:
    """An output path naming the history (its own input) is refused, exit 2, and the
    history is left whole: a trial wrote the dashboard over it."""
    path = tmp_path / "pmo-history.sqlite"
    open_history(path).record(fake_record())
    before = path.read_bytes()
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    cases = [
        ["dashboard", "--history", str(path), "-o", str(path)],
        ["dashboard", "-o", "pmo-history.sqlite", "--history", "./pmo-history.sqlite"],
        ["report", str(UPDATES[0]), "--history", str(path), "-o", str(path), "-q"],
        ["run", str(UPDATES[0]), "--record", "--history", str(path), "-o", str(path), "-q"],
    ]
    for args in cases:
        result = runner.invoke(cli, [*args, "--force"])
        assert result.exit_code == 2, (args, result.output)
        assert "input" in result.output, (args, result.output)
        assert path.read_bytes() == before, args
    monkeypatch.setenv("PMO_SIM_HISTORY", str(path))
    env = runner.invoke(cli, ["dashboard", "-o", str(path), "--force"])
    assert env.exit_code == 2 and path.read_bytes() == before


def test_compare_by_date_uses_the_recorded_settings(tmp_path: Path) -> None:
    """The waterfall of two recorded updates ends at the figures the trend shows: the
    new update is simulated with the iterations and seed it was recorded with."""
    path = str(tmp_path / "h.sqlite")
    runner = CliRunner()
    for update in UPDATES[1:3]:
        args = ["record", str(update), "-n", "1500", "--seed", "11", "--no-ranking"]
        assert runner.invoke(cli, [*args, "--history", path, "-q"]).exit_code == 0
    result = runner.invoke(
        cli, ["compare", "2027-04-01", "2027-05-04", "--history", path, "--json", "-q"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    new = trend(open_history(path), "office-move")[-1]
    assert doc["new"]["p80_finish"] == new.finish_date("80")
    assert doc["new"]["p50_finish"] == new.finish_date("50")
    one = runner.invoke(cli, ["compare", "2027-04-01", "--history", path])
    assert one.exit_code == 2 and "compare OLD NEW" in one.output


def test_record_project_id_makes_monthly_exports_one_project(tmp_path: Path, shared_data) -> None:
    """Each P6 export of the series names its project with its date; --project-id gives
    them one id, so they are one trend."""
    if shared_data is None:
        pytest.skip("shared schedules not found (../shared/data)")
    files = sorted((shared_data / "schedules" / "xer" / "updates_54069").glob("UP-*.xer"))[:2]
    path = str(tmp_path / "h.sqlite")
    runner = CliRunner()
    for f in files:
        args = ["record", str(f), "--project-id", "depot-54069", "-n", "300", "--no-ranking"]
        result = runner.invoke(cli, [*args, "--history", path, "-q"])
        assert result.exit_code == 0, result.output
    h = open_history(path)
    assert h.projects() == ["depot-54069"]
    assert len(trend(h, "depot-54069")) == 2
    text = h.load(h.runs()[0].id).scenario_text
    assert 'id = "depot-54069"' in text  # compare by date re-reads the stored scenario


def test_an_import_with_progress_says_it_compiles(tmp_path: Path, shared_data, monkeypatch) -> None:
    """Importing a statused P6 export schedules it through the calendar passes; when
    numba's cache lacks them the command says so (it sat silent for over a minute)."""
    if shared_data is None:
        pytest.skip("shared schedules not found (../shared/data)")
    from pmo_sim.base import jit

    xer = sorted((shared_data / "schedules" / "xer" / "updates_54069").glob("UP-*.xer"))[0]
    monkeypatch.setattr(jit, "is_cached", lambda kernel, fits=None: False)
    said = CliRunner().invoke(cli, ["import", str(xer), "-o", str(tmp_path / "a.toml")])
    assert said.exit_code == 0, said.output
    assert "note: compiling the scheduling kernels" in said.stderr
    quiet = CliRunner().invoke(cli, ["import", str(xer), "-q", "-o", str(tmp_path / "b.toml")])
    assert quiet.exit_code == 0 and "compiling" not in quiet.stderr


def test_a_project_id_fits_the_history() -> None:
    """The history keeps ids of up to 200 characters: a longer one is refused where it
    is given, before any run; a long name's default id is cut to fit."""
    from pmo_sim.model.scenario import PROJECT_ID_LIMIT, Project

    with pytest.raises(ValueError, match="at most 200 characters"):
        Project(name="P", start=dt.date(2027, 1, 4), id="x" * (PROJECT_ID_LIMIT + 1))
    long_name = Project(name="Refit " * 60, start=dt.date(2027, 1, 4))
    assert len(long_name.id) <= PROJECT_ID_LIMIT and long_name.id.startswith("refit-refit")
    assert not long_name.id.endswith("-")
