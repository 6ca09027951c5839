"""The command line for risks, costs and correlations: run, compare, risks, bad input.

Every command is checked on its exit code and output; where the CLI only formats what
the library computes, its JSON is compared with the library's answer on the same
settings.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import pmo_sim
from pmo_sim.cli import cli

from .conftest import DATA, PROJECT_HEAD

REGISTER = str(DATA / "risk_register.toml")
NO_MITIGATION = str(DATA / "risk_no_mitigation.toml")
NON_PSD = str(DATA / "risk_non_psd.toml")
CONFLICTING = str(DATA / "risk_conflicting_pair.toml")
SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))
N = "2000"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def run_json(*args: str) -> dict:
    result = invoke("run", *args, "--json", "--quiet")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def register_doc() -> dict:
    return run_json(REGISTER, "-n", N)


@pytest.fixture(scope="module")
def mitigated_doc() -> dict:
    return run_json(REGISTER, "-n", N, "--mitigated")


# --- run -------------------------------------------------------------------------------


def test_run_json_has_cost_jcl_risk_and_task_sections(register_doc):
    """run --json has cost, jcl, risks.<id> and tasks.<id> with the documented keys."""
    doc = register_doc
    cost = doc["cost"]
    assert sorted(cost["percentiles"]) == ["10", "50", "80", "90"]
    for entry in cost["percentiles"].values():
        assert {"value", "standard_error"} <= set(entry)
    assert isinstance(cost["mean"], float)
    assert 0 <= cost["p_budget"] <= 1
    jcl = doc["jcl"]
    assert 0 <= jcl["probability"] <= 1
    assert sorted(jcl["frontier"]) == ["50", "70", "80"]
    assert jcl["deadline"] == "2027-02-26" and jcl["budget"] == 42000
    assert sorted(doc["risks"]) == ["C1", "O1", "R1", "R2"]
    for entry in doc["risks"].values():
        for key in (
            "observed_probability",
            "p80_finish_contribution_days",
            "p80_cost_contribution",
            "mean_delay_days",
        ):
            assert isinstance(entry[key], float), key
    assert doc["risks"]["O1"]["type"] == "opportunity"
    assert sorted(doc["tasks"]) == sorted(
        ["kickoff", "design", "permit", "build", "test", "handover"]
    )
    for tid, entry in doc["tasks"].items():
        for key in ("criticality", "sensitivity", "cruciality", "ssi"):
            assert isinstance(entry[key], float), (tid, key)
        assert "merge_bias" in entry
    # build merges design and permit; every other task has fewer than two predecessors.
    assert isinstance(doc["tasks"]["build"]["merge_bias"], float)
    assert doc["tasks"]["test"]["merge_bias"] is None


def test_run_json_is_the_library_result(register_doc):
    """run --json prints Results.to_dict() of the same simulation, value for value."""
    s = pmo_sim.load(REGISTER)
    r = pmo_sim.simulate(s, iterations=int(N), rank=True)
    # A JSON round trip turns the library's floats into the same floats (repr is exact).
    assert register_doc == json.loads(json.dumps(r.to_dict()))


def test_run_without_ranking_leaves_out_the_contributions():
    """run --no-ranking keeps observed probabilities but has no exclusion-ranking keys."""
    doc = run_json(REGISTER, "-n", "500", "--no-ranking")
    for entry in doc["risks"].values():
        assert "observed_probability" in entry
        assert "p80_finish_contribution_days" not in entry


def test_run_mitigated_differs_where_mitigation_lowers_probability(register_doc, mitigated_doc):
    """run --mitigated --json reports the post-mitigation register and its lower risk."""
    pre, post = register_doc, mitigated_doc
    assert (pre["mitigated"], post["mitigated"]) == (False, True)
    assert (pre["risks"]["R1"]["probability"], post["risks"]["R1"]["probability"]) == (0.4, 0.1)
    assert post["risks"]["R1"]["observed_probability"] < pre["risks"]["R1"]["observed_probability"]
    # Unmitigated risks keep their state: the same occurrences on the same random numbers.
    assert post["risks"]["C1"]["observed_probability"] == pre["risks"]["C1"]["observed_probability"]
    assert post["finish"]["percentiles"]["80"]["days"] < pre["finish"]["percentiles"]["80"]["days"]
    assert post["cost"]["deterministic"] == pre["cost"]["deterministic"] + 1500 + 2500


def test_run_text_report_lists_cost_jcl_and_risks():
    """The run table shows costs, the budget and JCL lines and every risk id."""
    result = invoke("run", REGISTER, "-n", "1000", "--quiet")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "cost (EUR)" in out
    assert "Probability of staying within the budget 42,000 EUR" in out
    assert "Joint confidence (deadline and budget both met, JCL)" in out
    for rid in ("R1", "R2", "O1", "C1"):
        assert f"\n{rid} " in out


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_run_every_example_scenario(path):
    """run exits 0 on every file in scenarios/ and prints a parseable JSON document."""
    result = invoke("run", str(path), "-n", N, "--json", "--quiet")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["iterations"] == int(N)
    s = pmo_sim.load(path)
    assert sorted(doc["risks"]) == sorted(r.id for r in s.risks)


def test_example_scenarios_exist():
    """The examples the test above runs are there (an empty glob would test nothing)."""
    assert len(SCENARIOS) >= 3


# --- compare ---------------------------------------------------------------------------


def test_compare_json_has_pre_post_and_shift(register_doc, mitigated_doc):
    """compare --json: P50/P80 finish and cost pre, post and shift; response cost; saving."""
    result = invoke("compare", REGISTER, "-n", N, "--json", "--quiet")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    for q in ("50", "80"):
        f = doc["finish"][f"P{q}"]
        assert f["pre"]["days"] == register_doc["finish"]["percentiles"][q]["days"]
        assert f["post"]["days"] == mitigated_doc["finish"]["percentiles"][q]["days"]
        assert f["shift_days"] == f["post"]["days"] - f["pre"]["days"]
        c = doc["cost"][f"P{q}"]
        assert c["pre"] == register_doc["cost"]["percentiles"][q]["value"]
        assert c["post"] == mitigated_doc["cost"]["percentiles"][q]["value"]
        assert c["shift"] == c["post"] - c["pre"]
    assert doc["response_cost"] == 1500 + 2500
    # Expected saving: the drop in mean cost before paying for the responses.
    pre_mean, post_mean = register_doc["cost"]["mean"], mitigated_doc["cost"]["mean"]
    assert doc["expected_saving"] == pytest.approx(pre_mean - (post_mean - 4000), rel=1e-12)
    assert doc["net_benefit"] == pytest.approx(doc["expected_saving"] - 4000, rel=1e-12)
    assert doc["jcl"] == {
        "pre": register_doc["jcl"]["probability"],
        "post": mitigated_doc["jcl"]["probability"],
    }


def test_compare_text_report():
    """compare prints the pre/post table and the response cost against the saving."""
    result = invoke("compare", REGISTER, "-n", "1000", "--quiet")
    assert result.exit_code == 0, result.output
    assert "pre-mitigation" in result.stdout and "post-mitigation" in result.stdout
    assert "P80 finish" in result.stdout and "P80 cost" in result.stdout
    assert "Response cost 4,000 EUR against an expected saving of" in result.stdout


def test_compare_without_mitigations_exits_2_with_a_message():
    """compare on a file without any 'mitigated' table exits 2 and says what to add."""
    result = invoke("compare", NO_MITIGATION, "-n", "500")
    assert result.exit_code == 2
    assert "no risk has a 'mitigated' table" in result.stderr
    assert "mitigated = {" in result.stderr
    assert result.stdout == ""


# --- risks -----------------------------------------------------------------------------


def test_risks_prints_every_risk_id():
    """risks prints a tornado row for every risk of the register."""
    result = invoke("risks", REGISTER, "-n", "1000", "--quiet")
    assert result.exit_code == 0, result.output
    ids = ["C1", "O1", "R1", "R2"]
    first_words = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert [first_words.count(rid) for rid in ids] == [1, 1, 1, 1]


@pytest.mark.parametrize("by", ["finish", "cost"])
def test_risks_json_is_valid_and_the_text_follows_its_order(by):
    """risks --json is valid JSON with every risk; the table follows the chosen contribution."""
    result = invoke("risks", REGISTER, "-n", "1000", "--by", by, "--json", "--quiet")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["iterations"] == 1000 and doc["mitigated"] is False
    assert sorted(doc["risks"]) == ["C1", "O1", "R1", "R2"]
    key = "p80_finish_contribution_days" if by == "finish" else "p80_cost_contribution"
    register = [r.id for r in pmo_sim.load(REGISTER).risks]
    expected = sorted(register, key=lambda rid: (-doc["risks"][rid][key], register.index(rid)))
    text = invoke("risks", REGISTER, "-n", "1000", "--by", by, "--quiet")
    assert text.exit_code == 0, text.output
    rows = [
        line.split()[0] for line in text.stdout.splitlines() if line[:2] in {"R1", "R2", "O1", "C1"}
    ]
    assert rows == expected


def test_risks_mitigated_ranks_the_post_mitigation_register():
    """risks --mitigated --json reports the mitigated probabilities."""
    result = invoke("risks", REGISTER, "-n", "1000", "--mitigated", "--json", "--quiet")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["mitigated"] is True
    assert doc["risks"]["R1"]["probability"] == 0.1


def test_risks_on_a_file_without_risks_exits_2(scenario_file):
    """risks on a scenario with no [[risks]] exits 2 with a message."""
    path = scenario_file(PROJECT_HEAD + '[[tasks]]\nid = "a"\nduration = 3\n')
    result = invoke("risks", str(path))
    assert result.exit_code == 2
    assert "the scenario has no [[risks]] to rank" in result.stderr


# --- correlations ----------------------------------------------------------------------


def test_run_refuses_inconsistent_correlations_with_exit_2():
    """run on a non-PSD correlation set exits 2, naming the triple and --repair-correlations."""
    result = invoke("run", NON_PSD, "-n", "500", "--quiet")
    assert result.exit_code == 2
    assert "'a', 'b', 'c'" in result.stderr
    assert "not positive semi-definite" in result.stderr
    assert "--repair-correlations" in result.stderr
    assert "Traceback" not in result.output


def test_run_repair_correlations_runs_and_prints_the_note():
    """run --repair-correlations exits 0, notes the repair on stderr and in the JSON."""
    result = invoke("run", NON_PSD, "-n", "500", "--repair-correlations", "--json")
    assert result.exit_code == 0, result.output
    assert "note: correlations repaired to the nearest valid matrix" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["correlation_repair"]["largest_change"] > 0
    assert set(doc["correlation_repair"]["pair"]) <= {"a", "b", "c"}
    quiet = invoke("run", NON_PSD, "-n", "500", "--repair-correlations", "--quiet")
    assert quiet.exit_code == 0 and "note:" not in quiet.stderr


def test_run_refuses_two_coefficients_for_one_pair():
    """run exits 2 when two groups give the same pair different coefficients."""
    result = invoke("run", CONFLICTING, "-n", "500", "--quiet")
    assert result.exit_code == 2
    assert "correlations[2]" in result.stderr and "correlations[1]" in result.stderr
    assert "give each pair one coefficient" in result.stderr


def test_validate_refuses_two_coefficients_for_one_pair():
    """validate reports a pair given two coefficients (an error in the file) with exit 2."""
    result = invoke("validate", CONFLICTING)
    assert result.exit_code == 2, result.output
    assert "give each pair one coefficient" in result.stderr


def test_validate_points_out_inconsistent_correlations():
    """validate names the inconsistent triple and the --repair-correlations option."""
    result = invoke("validate", NON_PSD)
    assert "'a', 'b', 'c'" in result.output
    assert "--repair-correlations" in result.output


# --- bad input -------------------------------------------------------------------------

TASKS = """\
[[tasks]]
id = "a"
duration = 5

[[tasks]]
id = "b"
duration = { dist = "triangular", min = 2, mode = 3, max = 6 }
predecessors = ["a"]
"""

BAD_INPUT = {
    "unknown task": (
        """\
[[risks]]
id = "R1"
probability = 0.2
impacts = [ { tasks = ["a", "nope"], delay = 3 } ]
""",
        "risks[1] (id 'R1', line {risks}).impacts[1].tasks[2]: "
        "unknown task id 'nope': no task has that id",
    ),
    "probability above 1": (
        """\
[[risks]]
id = "R1"
probability = 1.5
impacts = [ { tasks = ["a"], delay = 3 } ]
""",
        "risks[1] (id 'R1', line {risks}): 'probability' must be between 0 and 1 (got 1.5)",
    ),
    "factor zero": (
        """\
[[risks]]
id = "R1"
probability = 0.5
impacts = [ { tasks = ["a"], factor = 0 } ]
""",
        "risks[1] (id 'R1', line {risks}).impacts[1]: "
        "'factor' must be greater than 0 over its whole range (got 0.0)",
    ),
    "factor reaching below zero": (
        """\
[[risks]]
id = "R1"
probability = 0.5
impacts = [ { tasks = ["a"], factor = { dist = "uniform", min = -0.5, max = 1.5 } } ]
""",
        "risks[1] (id 'R1', line {risks}).impacts[1]: "
        "'factor' must be greater than 0 over its whole range (got 'uniform(-0.5, 1.5)')",
    ),
    "correlation of one item": (
        """\
[[correlations]]
tasks = ["a"]
coefficient = 0.5
""",
        "correlations[1] (line {correlations}): "
        "'tasks' must be a list of at least two ids (got ['a'])",
    ),
    "opportunity with a positive delay": (
        """\
[[risks]]
id = "R1"
type = "opportunity"
probability = 0.5
impacts = [ { tasks = ["a"], delay = 3 } ]
""",
        "risks[1] (id 'R1', line {risks}): 'type' must be consistent with its impacts "
        "(a delay <= 0 or a factor <= 1 for an opportunity) (got 'opportunity')",
    ),
    "mitigated probability above 1": (
        """\
[[risks]]
id = "R1"
probability = 0.5
impacts = [ { tasks = ["a"], delay = 3 } ]
mitigated = { probability = 2, response_cost = 100 }
""",
        "risks[1] (id 'R1', line {risks}).mitigated: "
        "'probability' must be between 0 and 1 (got 2.0)",
    ),
    "correlation naming an unknown risk": (
        """\
[[risks]]
id = "R1"
probability = 0.5
cost = 100

[[correlations]]
risks = ["R1", "R9"]
coefficient = 0.4
""",
        "correlations[1] (line {correlations}).risks[2]: unknown risk id 'R9': no risk has that id",
    ),
}


def bad_file(scenario_file, case: str) -> tuple[Path, str]:
    """Write the case's file and return it with its expected problem (line numbers filled in)."""
    entry, expected = BAD_INPUT[case]
    text = PROJECT_HEAD + "\n" + TASKS + "\n" + entry
    lines = text.splitlines()
    marks = {
        kind: (lines.index(f"[[{kind}]]") + 1 if f"[[{kind}]]" in lines else None)
        for kind in ("risks", "correlations")
    }
    return scenario_file(text, name="bad.toml"), expected.format(**marks)


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_risk_input_is_refused_by_load_with_the_place(scenario_file, case):
    """load() refuses each bad risk or correlation entry with its place and rule."""
    path, expected = bad_file(scenario_file, case)
    with pytest.raises(pmo_sim.ScenarioError) as info:
        pmo_sim.load(path)
    assert [str(p) for p in info.value.problems] == [expected]


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_risk_input_exits_2_with_the_place(scenario_file, case, command):
    """validate and run exit 2 on each bad entry, printing its place and rule, no traceback."""
    path, expected = bad_file(scenario_file, case)
    args = [command, str(path)] + (["-n", "100"] if command == "run" else [])
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"pmo-sim: error: {path}: {expected}\n"
    assert result.stdout == ""


def test_every_bad_entry_is_reported_at_once(scenario_file):
    """Several bad risk entries in one file are all reported in one message."""
    text = (
        PROJECT_HEAD
        + "\n"
        + TASKS
        + "\n"
        + BAD_INPUT["unknown task"][0]
        + "\n"
        + BAD_INPUT["probability above 1"][0].replace('"R1"', '"R2"')
    )
    result = invoke("validate", str(scenario_file(text)))
    assert result.exit_code == 2
    assert "2 problems found" in result.stderr
    assert "risks[1] (id 'R1'" in result.stderr and "risks[2] (id 'R2'" in result.stderr


# --- risks and compare: what the tables show -------------------------------------------

LONG_NAMES = (
    PROJECT_HEAD
    + """
[[tasks]]
id = "a"
duration = { dist = "triangular", min = 2, mode = 3, max = 6 }

[[risks]]
id = "R1"
name = "Leased line install slips (wayleave or civils on the street)"
probability = 0.5
impacts = [ { tasks = ["a"], delay = 2 } ]

[[risks]]
id = "R2"
name = "Pneumonoultramicroscopicsilicovolcanoconiosis outbreak"
probability = 0.5
impacts = [ { tasks = ["a"], delay = 1 } ]

[[risks]]
id = "R3"
name = "A name of exactly forty characters: kept"
probability = 0.5
impacts = [ { tasks = ["a"], delay = 1 } ]
"""
)


def test_risks_shortens_long_names_at_a_word_with_an_ellipsis(scenario_file):
    """risks cuts a name over 40 characters at the last word that fits and ends it with
    '…'; a name with no space in reach is cut mid-word, one of 40 characters is kept."""
    result = invoke("risks", str(scenario_file(LONG_NAMES)), "-n", "500", "--quiet")
    assert result.exit_code == 0, result.output
    lines = {
        line[:2]: line for line in result.stdout.splitlines() if line[:2] in {"R1", "R2", "R3"}
    }
    expected = {
        "R1": "Leased line install slips (wayleave or…",
        "R2": "Pneumonoultramicroscopicsilicovolcanoco…",
        "R3": "A name of exactly forty characters: kept",
    }
    for rid, name in expected.items():
        assert len(name) <= 40
        prefix = f"{rid}  {name}"
        assert lines[rid].startswith(prefix), lines[rid]
        assert lines[rid][len(prefix)] == " "


def _risk_rows(stdout: str) -> dict[str, str]:
    return {line[:2]: line for line in stdout.splitlines() if line[:2] in {"R1", "R2", "O1", "C1"}}


@pytest.mark.parametrize("by", ["finish", "cost"])
def test_risks_draws_opportunities_left_of_the_axis(by):
    """risks draws an opportunity's negative contribution as '=' left of a '|' axis and a
    threat's as '#' right of it, both on one scale (the largest |contribution|)."""
    doc = json.loads(invoke("risks", REGISTER, "-n", "1000", "--json", "--quiet").stdout)
    key = "p80_finish_contribution_days" if by == "finish" else "p80_cost_contribution"
    values = {rid: e[key] for rid, e in doc["risks"].items()}
    assert values["O1"] < 0 < values["R1"]  # the register has both sides
    scale = max(abs(v) for v in values.values())

    def length(v: float) -> int:
        return max(1, round(30 * abs(v) / scale)) if v else 0

    left = max(length(v) for v in values.values() if v < 0)
    result = invoke("risks", REGISTER, "-n", "1000", "--by", by, "--quiet")
    assert result.exit_code == 0, result.output
    rows = _risk_rows(result.stdout)
    for rid, v in values.items():
        neg, pos = (length(v), 0) if v < 0 else (0, length(v))
        bar = ("=" * neg).rjust(left) + "|" + "#" * pos
        assert rows[rid].endswith("  " + bar), (rid, rows[rid])
    assert rows["O1"].endswith("=|")
    assert "opportunit" in result.stdout.split("\n\n")[-1]


def test_risks_without_opportunities_keeps_the_plain_bars(scenario_file):
    """With no negative contribution, bars are plain '#' runs with no axis."""
    result = invoke("risks", str(scenario_file(LONG_NAMES)), "-n", "500", "--quiet")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line[:2] in {"R1", "R2", "R3"}]
    assert rows[0].endswith("  " + "#" * 30)
    assert "|" not in result.stdout and "=" not in result.stdout


def test_risks_by_cost_shows_the_currency():
    """risks --by cost shows each P80 cost contribution with the scenario's currency."""
    doc = json.loads(invoke("risks", REGISTER, "-n", "1000", "--json", "--quiet").stdout)
    result = invoke("risks", REGISTER, "-n", "1000", "--by", "cost", "--quiet")
    assert result.exit_code == 0, result.output
    rows = _risk_rows(result.stdout)
    for rid, entry in doc["risks"].items():
        assert f"  {entry['p80_cost_contribution']:+,.0f} EUR  " in rows[rid], rows[rid]


def _shown(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@pytest.mark.parametrize(
    "args",
    [(REGISTER, "-n", "1000"), (str(SCENARIOS[0]),)],
    ids=["register", SCENARIOS[0].name],
)
def test_compare_shift_is_the_difference_of_the_shown_values(args):
    """Every shift compare prints, and the net benefit, is post minus pre of the figures
    as printed (29.2 d after 31.8 d is -2.6 d, 77.0% after 70.6% is +6.4 pts)."""
    result = invoke("compare", *args, "--quiet")
    assert result.exit_code == 0, result.output
    patterns = [
        r"P\d0 finish\s+\S+ \(([\d.]+) d\)\s+\S+ \(([\d.]+) d\)\s+([+-][\d.]+) d",
        r"(?:P\(deadline\)|P\(budget\)|JCL)\s+([\d.]+)%\s+([\d.]+)%\s+([+-][\d.]+) pts",
        r"P\d0 cost\s+([\d,]+) [A-Z]{3}\s+([\d,]+) [A-Z]{3}\s+([+-][\d,]+)",
    ]
    checked = 0
    for line in result.stdout.splitlines():
        for pattern in patterns:
            m = re.fullmatch(pattern, line)
            if m:
                pre, post, shift = (_shown(g) for g in m.groups())
                assert post - pre == shift, line
                checked += 1
    assert checked == 7
    m = re.search(
        r"Response cost ([\d,]+) [A-Z]{3} against an expected saving of (-?[\d,]+) [A-Z]{3} "
        r"\(net ([+-][\d,]+) [A-Z]{3}\)",
        result.stdout,
    )
    assert m, result.stdout
    response, saving, net = (_shown(g) for g in m.groups())
    assert saving - response == net
