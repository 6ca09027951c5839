"""Output safety: spreadsheet formulas neutralised, one rule for output paths, output
errors of the system reported with exit 2, truncated inputs refused.

Every command that writes goes through ``base.files`` (checked here command by command),
and every CSV writer through ``io.cells`` (checked writer by writer).
"""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import pmo_sim
from pmo_sim.base.files import OutputError, atomic_write, check_output
from pmo_sim.cli import cli
from pmo_sim.io.cells import spreadsheet_safe
from pmo_sim.io.exports import iterations_csv, task_dates_csv

from .test_import_xer import pred, task, xer_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "scenarios" / "office_move.toml")

HOSTILE = """
[project]
name = "=HYPERLINK(\\"http://x\\",\\"y\\")"
start = 2027-01-04

[[tasks]]
id = "-a"
name = "=HYPERLINK(\\"http://x\\",\\"y\\")"
duration = { dist = "triangular", min = 2, mode = 3, max = 6 }

[[tasks]]
id = "@b"
name = "+cmd|' /C calc'!A0"
duration = 4
predecessors = ["-a"]

[[tasks]]
id = "c"
name = "\\tTabbed"
duration = 1
predecessors = ["@b"]

[[risks]]
id = "=R1"
probability = 0.5
impacts = [{ tasks = ["c"], delay = { dist = "uniform", min = 1, max = 2 } }]
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-1.5e3", "-1.5e3"),  # a number stays a number
        ("+4", "+4"),
        ("2027-01-04", "2027-01-04"),
        ("Design", "Design"),
        ("", ""),
        (-3.25, -3.25),
        (7, 7),
    ],
)
def test_spreadsheet_safe_prefixes_formulas_only(cell, written):
    """Text a spreadsheet would run as a formula gets a leading quote; numbers and
    ordinary text are written as they are."""
    assert spreadsheet_safe(cell) == written


def formula_like(cell: str) -> bool:
    return cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.fixture(scope="module")
def hostile_results(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "hostile.toml"
    path.write_text(HOSTILE, encoding="utf-8")
    s = pmo_sim.load(path)
    return pmo_sim.simulate(s, iterations=200, seed=3, task_dates=True)


@pytest.mark.parametrize("writer", [iterations_csv, task_dates_csv])
def test_every_csv_writer_neutralises_formulas(hostile_results, writer):
    """No cell of a CSV export starts like a formula unless it is a number; the names
    and ids come back intact once the quote is dropped."""
    rows = list(csv.reader(io.StringIO(writer(hostile_results))))
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        if formula_like(cell):
            float(cell)  # only numbers may start so
    texts = {cell[1:] for cell in cells if cell.startswith("'")}
    if writer is task_dates_csv:
        assert {"-a", "@b", '=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0"} <= texts
        assert "\tTabbed" in texts
    else:
        assert "risk_=R1" in rows[0]  # the header names the risk; it starts with "r"
        assert all(float(row[1]) >= 0 for row in rows[1:])


def test_cli_csv_files_are_neutralised(hostile_results, tmp_path):
    """The files `run --task-dates` and `--iterations-csv` write hold the neutralised
    text too."""
    source = tmp_path / "s.toml"
    source.write_text(HOSTILE, encoding="utf-8")
    dates, its = tmp_path / "d.csv", tmp_path / "i.csv"
    res = invoke(
        "run",
        str(source),
        "-n",
        "100",
        "-q",
        "--task-dates",
        str(dates),
        "--iterations-csv",
        str(its),
    )
    assert res.exit_code == 0, res.output
    text = dates.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'+cmd" in text and "\n'-a," in text
    assert ",=" not in text and "\n=" not in text


# --- the output path rule ------------------------------------------------------------


def no_simulation(monkeypatch):
    """Make any simulation fail loudly: a path error must stop the command first."""

    def refuse(*args, **kwargs):
        raise AssertionError("the command simulated before checking its output paths")

    monkeypatch.setattr("pmo_sim.engine.simulate.simulate", refuse)


@pytest.mark.parametrize(
    "args",
    [
        ["run", EXAMPLE, "-q", "--out", "{missing}/x.json"],
        ["run", EXAMPLE, "-q", "--iterations-csv", "{missing}/x.csv"],
        ["run", EXAMPLE, "-q", "--task-dates", "{missing}/x.csv"],
        ["report", EXAMPLE, "-q", "-o", "{missing}/r.html"],
        [
            "import",
            str(ROOT / "scenarios" / "templates" / "tasks.csv"),
            "--start",
            "2027-01-04",
            "-o",
            "{missing}/p.toml",
        ],
    ],
    ids=["run --out", "run --iterations-csv", "run --task-dates", "report", "import"],
)
def test_a_missing_folder_is_named_before_any_run(args, tmp_path, monkeypatch):
    """An output in a folder that does not exist: exit 2 naming the folder, before the
    command simulates or imports anything, and nothing written."""
    no_simulation(monkeypatch)
    missing = tmp_path / "missing"
    res = invoke(*[a.format(missing=missing) for a in args])
    assert res.exit_code == 2, res.output
    assert f"the folder {missing} does not exist" in res.output
    assert "Traceback" not in res.output
    assert not missing.exists()


def test_a_symbolic_link_is_followed_and_kept(tmp_path):
    """`--out link.json` writes the link's target, atomically beside it; the link stays."""
    target = tmp_path / "data" / "results.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    res = invoke("run", EXAMPLE, "-q", "-n", "100", "--out", str(link))
    assert res.exit_code == 0, res.output
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text().startswith("{")
    assert sorted(p.name for p in target.parent.iterdir()) == ["results.json"]


def read_only(path: Path, text: str = "keep me") -> Path:
    path.write_text(text)
    path.chmod(0o444)
    return path


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["run", EXAMPLE, "-q", "-n", "100", "--out"], "r.json"),
        (["run", EXAMPLE, "-q", "-n", "100", "--task-dates"], "d.csv"),
        (["report", EXAMPLE, "-q", "-n", "100", "-o"], "r.html"),
        (
            [
                "import",
                str(ROOT / "scenarios" / "templates" / "tasks.csv"),
                "--start",
                "2027-01-04",
                "-q",
                "-o",
            ],
            "p.toml",
        ),
    ],
    ids=["run --out", "run --task-dates", "report", "import"],
)
def test_a_read_only_file_is_replaced_only_with_force(args, name, tmp_path, monkeypatch):
    """A read-only output file is refused with exit 2 (before any run) and left as it
    was; with --force it is replaced and keeps its permissions."""
    target = read_only(tmp_path / name)
    res = invoke(*args, str(target))
    assert res.exit_code == 2, res.output
    assert "read-only" in res.output and "--force" in res.output
    assert target.read_text() == "keep me"
    res = invoke(*args, str(target), "--force")
    assert res.exit_code == 0, res.output
    assert target.read_text() != "keep me"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


def test_plot_refuses_a_read_only_chart_before_drawing(tmp_path, monkeypatch):
    """`plot` checks every chart's path in the folder before it simulates."""
    no_simulation(monkeypatch)
    read_only(tmp_path / "finish.png")
    res = invoke("plot", EXAMPLE, "-q", "-o", str(tmp_path))
    assert res.exit_code == 2 and "finish.png" in res.output


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    """Replacing an existing file keeps its mode (a 0600 file stays private)."""
    target = tmp_path / "private.json"
    target.write_text("old")
    target.chmod(0o600)
    atomic_write(target, lambda handle: handle.write("new"))
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_check_output_names_what_is_wrong(tmp_path):
    """The rule in one place: a folder is not a file, a missing folder is named, a
    read-only file needs force; the target of a link is what gets written."""
    with pytest.raises(OutputError, match="is a folder"):
        check_output(tmp_path)
    with pytest.raises(OutputError, match="does not exist"):
        check_output(tmp_path / "no" / "x.json")
    ro = read_only(tmp_path / "ro.json")
    with pytest.raises(OutputError, match="read-only"):
        check_output(ro)
    assert check_output(ro, force=True) == ro
    (tmp_path / "l.json").symlink_to(ro)
    with pytest.raises(OutputError, match="a link to"):
        check_output(tmp_path / "l.json")
    with pytest.raises(OutputError, match="name is empty"):
        check_output("")
    with pytest.raises(OutputError, match="names a folder"):
        check_output(f"{tmp_path}/new/")
    # A file in a folder reached through a link: the folder is named, not a file link.
    (tmp_path / "linked").symlink_to(tmp_path / "no", target_is_directory=True)
    (tmp_path / "no").mkdir()
    read_only(tmp_path / "no" / "x.json")
    with pytest.raises(OutputError, match=r"x.json \(in the folder .*no\): the file is read-only"):
        check_output(tmp_path / "linked" / "x.json")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize(
    "args",
    [
        ["validate", EXAMPLE],
        ["run", EXAMPLE, "-q", "-n", "200", "--json"],
        ["--help"],
        ["--version"],
        ["run", "--help"],
    ],
)
def test_standard_output_on_a_full_disk_is_exit_2(args):
    """Standard output on a full device: exit 2 with the reason, no traceback; help and
    version go through the same exit path as a command's output."""
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "pmo_sim", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    assert done.returncode == 2, done.stderr
    assert "cannot write the standard output: No space left on device" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="/proc and /sys are Linux's")
@pytest.mark.parametrize("path", ["/proc/pmo-sim-test.json", "/sys/pmo-sim-test.json"])
def test_an_output_the_system_refuses_is_exit_2_before_the_run(path, monkeypatch):
    """--out into /proc or /sys: exit 2 naming the path, found by probing the folder
    before the simulation rather than after it."""
    no_simulation(monkeypatch)
    res = invoke("run", EXAMPLE, "-q", "-n", "50", "--out", path)
    assert res.exit_code == 2, res.output
    assert path in res.output
    assert "Traceback" not in res.output


def test_a_pipe_or_device_is_refused_and_left_as_it_is(tmp_path, monkeypatch):
    """A named pipe (or a device such as /dev/null) cannot be replaced atomically and
    must never become a regular file: exit 2 before the run, the pipe still a pipe."""
    no_simulation(monkeypatch)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    res = invoke("run", EXAMPLE, "-q", "--out", str(fifo))
    assert res.exit_code == 2, res.output
    assert "not a regular file" in res.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    if Path("/dev/null").exists():
        res = invoke("run", EXAMPLE, "-q", "--task-dates", "/dev/null", "--force")
        assert res.exit_code == 2 and "not a regular file" in res.output
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symbolic_link_loop_is_refused(tmp_path, monkeypatch):
    """Two links pointing at each other: exit 2 saying so; both stay links."""
    no_simulation(monkeypatch)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    res = invoke("run", EXAMPLE, "-q", "--out", str(a))
    assert res.exit_code == 2, res.output
    assert "loops" in res.output
    assert a.is_symlink() and b.is_symlink()
    monkeypatch.undo()  # a checkpoint directory is opened by the run, before any block
    res = invoke("run", EXAMPLE, "-q", "-n", "200", "--checkpoint", str(a))
    assert res.exit_code == 2, res.output
    assert "checkpoint directory: it is a symbolic link that loops" in res.output


def test_a_read_only_folder_is_not_written_into(tmp_path, monkeypatch):
    """A folder without write permission bits is refused before the run even for a
    superuser (who could write there): the user made it read-only on purpose."""
    no_simulation(monkeypatch)
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        res = invoke("run", EXAMPLE, "-q", "--out", str(folder / "x.json"))
        assert res.exit_code == 2, res.output
        assert "is read-only" in res.output
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_a_dash_is_not_taken_for_a_file_name(tmp_path, monkeypatch):
    """`-o -` would write a file named '-': refused, pointing at the standard output."""
    monkeypatch.chdir(tmp_path)
    res = invoke(
        "import",
        str(ROOT / "scenarios" / "templates" / "tasks.csv"),
        "--start",
        "2027-01-04",
        "-q",
        "-o",
        "-",
    )
    assert res.exit_code == 2, res.output
    assert "standard output" in res.output
    assert not (tmp_path / "-").exists()


# --- truncated input -------------------------------------------------------------------


def test_an_xer_file_cut_short_is_refused_naming_its_last_line(tmp_path):
    """An XER export cut inside its TASK table (no TASKPRED, no %E line): exit 2 naming
    the line where it stops, not a plausible schedule of the tasks read so far."""
    text = xer_text(
        [task(f"A{i}", 8 * (i + 1)) for i in range(40)],
        [pred(f"A{i + 1}", f"A{i}") for i in range(39)],
    )
    cut = text[: text.index("A30")]
    path = tmp_path / "cut.xer"
    path.write_text(cut, encoding="utf-8")
    last = len([line for line in cut.splitlines() if line.strip()])
    res = invoke("import", str(path), "-o", str(tmp_path / "cut.toml"))
    assert res.exit_code == 2, res.output
    assert f"stops at line {last} inside table TASK" in res.output
    assert "%E" in res.output
    assert not (tmp_path / "cut.toml").exists()


def test_an_xer_file_with_its_end_line_imports(tmp_path):
    """The same export complete (ending in %E) imports as before."""
    path = tmp_path / "whole.xer"
    path.write_text(xer_text([task("A"), task("B")], [pred("B", "A")]), encoding="utf-8")
    res = invoke("import", str(path), "-q")
    assert res.exit_code == 0, res.output


def test_an_mspdi_file_cut_short_is_refused(tmp_path):
    """MS Project XML cut mid-element: exit 2 with the line and column where it stops."""
    from .test_import_mspdi import mspdi, t

    text = mspdi([t(1, "A"), t(2, "B", links=((1, 1, 0, 7),)), t(3, "C", links=((2, 1, 0, 7),))])
    path = tmp_path / "cut.xml"
    path.write_text(text[: len(text) * 2 // 3], encoding="utf-8")
    res = invoke("import", str(path))
    assert res.exit_code == 2, res.output
    assert "not well-formed XML at line" in res.output


def test_a_task_table_cut_mid_row_is_refused(tmp_path):
    """A CSV task table whose last row stops part-way, with no final line break: exit 2
    naming the row."""
    whole = (ROOT / "scenarios" / "templates" / "tasks.csv").read_text(encoding="utf-8")
    cut = whole.rstrip("\n")
    cut = cut[: cut.rindex(",", 0, cut.rindex(",") - 1) - 10]
    path = tmp_path / "cut.csv"
    path.write_text(cut, encoding="utf-8")
    rows = len(cut.splitlines())
    res = invoke("import", str(path), "--start", "2027-01-04")
    assert res.exit_code == 2, res.output
    assert f"row {rows}: the table stops after" in res.output
    assert "cut short" in res.output


def test_a_schedule_without_logic_is_a_loud_warning(tmp_path):
    """Tasks but not a single link: a warning at import (and in the scenario's header)
    and at run time."""
    table = tmp_path / "flat.csv"
    table.write_text("id,name,duration\na,A,3\nb,B,4\nc,C,5\n", encoding="utf-8")
    out = tmp_path / "flat.toml"
    res = invoke("import", str(table), "--start", "2027-01-04", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert "the schedule has no logic: none of its 3 tasks has a predecessor" in res.output
    assert "has no logic" in out.read_text(encoding="utf-8")
    res = invoke("run", str(out), "-n", "50")
    assert res.exit_code == 0
    assert "warning: tasks: the schedule has no logic" in res.output
    # It replaces the open-end warnings it implies.
    assert "have no predecessor" not in res.output


def test_output_errors_leave_no_temporary_files(tmp_path, monkeypatch):
    """When the system refuses the final rename, the old file stays and no temporary
    file is left behind; the error names the path."""
    target = tmp_path / "r.json"
    target.write_text("old")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError, match=r"r\.json: cannot write the file: No space left"):
        atomic_write(target, lambda handle: handle.write("new"))
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.parametrize(
    "args",
    [
        ["run", "{scenario}", "-q", "--out", "{scenario}"],
        ["run", "{scenario}", "-q", "--task-dates", "./{scenario_name}"],
        ["report", "{scenario}", "-q", "-o", "{link}"],
        ["plot", "{scenario}", "-q", "--out", "{folder}", "--format", "png"],
        ["import", "{table}", "--start", "2027-01-04", "-q", "-o", "{table}"],
        [
            "import",
            "{table}",
            "--start",
            "2027-01-04",
            "-q",
            "--ranges",
            "{ranges}",
            "-o",
            "{hardlink}",
        ],
    ],
    ids=[
        "run --out",
        "run --task-dates",
        "report via a link",
        "plot",
        "import -o",
        "import -o a hard link to --ranges",
    ],
)
def test_an_output_that_is_an_input_is_refused(args, tmp_path, monkeypatch):
    """An output path that leads to one of the command's own input files (by name, by a
    symbolic link or by a hard link) is refused with exit 2 before any run, and the input
    is left as it was; so is a chart that would replace the scenario."""
    no_simulation(monkeypatch)
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "finish.png"  # the plot's first chart, in the same folder
    scenario.write_text(Path(EXAMPLE).read_text())
    table = tmp_path / "tasks.csv"
    table.write_text((ROOT / "scenarios" / "templates" / "tasks.csv").read_text())
    ranges = tmp_path / "ranges.toml"
    ranges.write_text("[[ranges]]\nmatch = '*'\nmin = 0.9\nmax = 1.2\n")
    os.link(ranges, tmp_path / "hard.toml")
    (tmp_path / "link.html").symlink_to(scenario)
    before = {p: p.read_bytes() for p in (scenario, table, ranges)}
    res = invoke(
        *[
            a.format(
                scenario=scenario,
                scenario_name=scenario.name,
                link=tmp_path / "link.html",
                folder=tmp_path,
                table=table,
                ranges=ranges,
                hardlink=tmp_path / "hard.toml",
            )
            for a in args
        ]
    )
    assert res.exit_code == 2, res.output
    assert "is the input file" in res.output and "name another output file" in res.output
    assert "Traceback" not in res.output
    assert {p: p.read_bytes() for p in before} == before


def test_two_outputs_on_one_file_are_refused(tmp_path, monkeypatch):
    """`run --out x --task-dates x` would leave only one of the two: refused up front."""
    no_simulation(monkeypatch)
    out = tmp_path / "out.txt"
    res = invoke("run", EXAMPLE, "-q", "--out", str(out), "--task-dates", str(out))
    assert res.exit_code == 2, res.output
    assert "two outputs of this command are the same file" in res.output
    assert not out.exists()


def test_distinct_outputs_and_inputs_pass(tmp_path):
    """Different files, one of them not there yet, pass the check."""
    from pmo_sim.base.files import check_distinct

    a = tmp_path / "a.toml"
    a.write_text("x")
    check_distinct([tmp_path / "b.json", tmp_path / "c.csv"], [a])
    with pytest.raises(OutputError, match="is the input file"):
        check_distinct([tmp_path / "sub" / ".." / "a.toml"], [a])
