"""The Monte Carlo engine: naive reference, exact answers, determinism, arguments, CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import integrate, stats

import pmo_sim
from pmo_sim import (
    Discrete,
    Fixed,
    Link,
    Lognormal,
    Normal,
    Pert,
    Project,
    Scenario,
    Task,
    Triangular,
    Trigen,
    Uniform,
    simulate,
)
from pmo_sim.cli import cli
from pmo_sim.engine.quantiles import Packer, ppf_array
from pmo_sim.engine.rng import fill_uniforms, stream_key
from pmo_sim.engine.simulate import sample_durations

from . import naive_engine
from .naive_engine import naive_simulate

TESTS = Path(__file__).resolve().parent
ISSUE_EXAMPLE = TESTS / "data" / "issue_example.toml"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PSPLIB = SHARED_DATA / "psplib"
PSPLIB_SETS = {"j30": "j30", "j60_sample": "j60", "j90_sample": "j90", "j120_sample": "j120"}

START = dt.date(2027, 1, 4)  # a Monday


def make_scenario(*tasks: Task, name: str = "Probe") -> Scenario:
    return Scenario(project=Project(name=name, start=START), tasks=tuple(tasks))


def chain(prefix: str, dists, kind: str = "FS") -> list[Task]:
    """Tasks prefix1..prefixN, each linked to the one before."""
    tasks = []
    for k, dist in enumerate(dists, start=1):
        preds = (Link(f"{prefix}{k - 1}", kind),) if k > 1 else ()
        tasks.append(Task(f"{prefix}{k}", duration=dist, predecessors=preds))
    return tasks


def quantile_se(p: float, n: int, density: float) -> float:
    """Asymptotic standard error of the empirical p-quantile: sqrt(p(1-p)/n) / f(x_p)."""
    return math.sqrt(p * (1 - p) / n) / density


# A small network with every link type, a lead, a fractional lag, every family and two
# milestones; used for the determinism and LHS tests.
MIXED = make_scenario(
    Task("start", milestone=True),
    Task("a", duration=Triangular(2, 4, 9), predecessors=(Link("start"),)),
    Task("b", duration=Pert(3, 5, 12), predecessors=(Link("a", "SS", 1.5),)),
    Task("c", duration=Normal(5, 1.5), predecessors=(Link("a", "FF", -1),)),
    Task("d", duration=Lognormal(4, 2), predecessors=(Link("b"), Link("c", "SF", 6))),
    Task("e", duration=Discrete((1, 2, 4), (1, 2, 1)), predecessors=(Link("a"),)),
    Task("m", milestone=True, predecessors=(Link("e"), Link("b", "FF", 0.5))),
    Task("f", duration=Uniform(1, 6), predecessors=(Link("d"), Link("m"))),
    Task("g", duration=Trigen(3, 5, 9), predecessors=(Link("c", "SS", 2),)),
    Task("h", duration=Fixed(2), predecessors=(Link("f"), Link("g"))),
)


# The naive reference ---------------------------------------------------------------------

POOL = [
    Fixed(0),
    Fixed(3),
    Fixed(2.5),
    Triangular(2, 4, 9),
    Triangular(0, 0, 5),
    Pert(3, 5, 12),
    Pert(1, 1, 4, lam=3),
    Uniform(1, 6),
    Normal(5, 1.5),
    Normal(1, 2),  # a third of the mass truncated at 0
    Lognormal(4, 2),
    Discrete((1, 2, 4), (1, 2, 1)),
    Trigen(3, 5, 9),
]
LINK_TYPES = ("FS", "SS", "FF", "SF")


@st.composite
def random_scenarios(draw) -> Scenario:
    """A random DAG: links only go from lower to higher index, then the file order is
    shuffled; lags are negative, zero or fractional multiples of 1/4 (exact in binary,
    so equal path lengths tie exactly); parallel links between a pair are allowed."""
    n = draw(st.integers(1, 8))
    dists = [draw(st.sampled_from(POOL)) for _ in range(n)]
    preds: list[list[Link]] = [[] for _ in range(n)]
    for j in range(1, n):
        for i in draw(st.lists(st.integers(0, j - 1), max_size=3)):
            kind = draw(st.sampled_from(LINK_TYPES))
            lag = draw(st.integers(-12, 12)) / 4
            preds[j].append(Link(f"T{i}", kind, lag))
    milestones = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    order = draw(st.permutations(range(n)))
    tasks = [
        Task(f"T{k}", duration=dists[k], predecessors=tuple(preds[k]), milestone=milestones[k])
        for k in order
    ]
    return make_scenario(*tasks)


def test_naive_engine_uses_the_documented_critical_tolerance():
    """The naive engine's critical tolerance is pmo_sim.scheduling.cpm.CRITICAL_TOLERANCE."""
    assert naive_engine.CRITICAL_TOLERANCE == pmo_sim.scheduling.cpm.CRITICAL_TOLERANCE


@settings(max_examples=60, deadline=None)
@given(
    scenario=random_scenarios(),
    iterations=st.integers(64, 300),
    seed=st.integers(0, 2**63 - 1),
    sampling=st.sampled_from(["lhs", "random"]),
    block_size=st.sampled_from([64, 100, 256]),
)
def test_simulation_matches_naive_engine_on_random_networks(
    scenario, iterations, seed, sampling, block_size
):
    """Finish, milestones and criticality equal the naive engine fed the same durations."""
    result = simulate(scenario, iterations, seed, sampling, block_size=block_size)
    durations = sample_durations(scenario, seed, sampling, 0, iterations)
    naive = naive_simulate(scenario, durations)
    assert_allclose(result.finish_days, naive.finish, rtol=1e-9, atol=1e-9)
    for k, mid in enumerate(result.milestone_ids):
        assert_allclose(result.milestone_days[k], naive.early_finish[mid], rtol=1e-9, atol=1e-9)
    assert result.milestone_ids == tuple(t.id for t in scenario.tasks if t.milestone)
    counts = naive.critical_counts()
    assert result.criticality == {tid: counts[tid] / iterations for tid in scenario.task_ids}


def test_sample_durations_are_the_draws_of_any_iteration_range():
    """Durations of iterations [a, b) equal the same columns of a run from 0, in file order."""
    whole = sample_durations(MIXED, 5, "lhs", 0, 3000)
    part = sample_durations(MIXED, 5, "lhs", 1500, 700)
    assert np.array_equal(part, whole[:, 1500:2200])
    assert whole.shape == (len(MIXED.tasks), 3000)
    # File order: row k follows task k's own distribution (its support).
    for k, task in enumerate(MIXED.tasks):
        lo, hi = task.duration.support
        assert np.all((whole[k] >= lo) & (whole[k] <= hi)), task.id


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_task_draws_are_its_named_stream_through_the_quantile_kernel(sampling):
    """A task's durations are ppf(uniforms of stream '<project id>/duration:<id>' of
    the seed)."""
    scope = MIXED.project.id
    for k, task in enumerate(MIXED.tasks):
        u = np.empty(1500)
        key = stream_key(77, f"{scope}/duration:{task.id}")
        fill_uniforms(np.uint64(key), 600, u, sampling == "lhs")
        packer = Packer()
        packer.add(task.duration)
        codes, params, table = packer.arrays()
        expected = np.empty(u.size)
        ppf_array(codes[0], params[0], table, u, expected)
        drawn = sample_durations(MIXED, 77, sampling, 600, 1500)[k]
        # The block sampler hoists constants (e.g. w (c - a) for the triangular), so it
        # may round differently from ppf in the last bits.
        assert_allclose(drawn, expected, rtol=1e-13, atol=0, err_msg=task.id)


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_adding_or_reordering_tasks_keeps_the_other_tasks_draws(sampling):
    """Common random numbers: a new task or a new file order leaves each task's draws."""
    base = sample_durations(MIXED, 9, sampling, 0, 2000)
    extra = Task("z", duration=Triangular(1, 2, 3), predecessors=(Link("c"),))
    grown = make_scenario(extra, *MIXED.tasks[::-1])
    drawn = sample_durations(grown, 9, sampling, 0, 2000)
    for k, task in enumerate(MIXED.tasks):
        assert np.array_equal(drawn[grown.task_ids.index(task.id)], base[k]), task.id


def test_simulation_matches_naive_engine_on_mixed_network():
    """On the mixed network (every family and link type) the finish equals the naive one."""
    result = simulate(MIXED, 5000, 3, "lhs")
    naive = naive_simulate(MIXED, sample_durations(MIXED, 3, "lhs", 0, 5000))
    assert_allclose(result.finish_days, naive.finish, rtol=1e-9, atol=1e-9)
    counts = naive.critical_counts()
    assert result.criticality == {tid: counts[tid] / 5000 for tid in MIXED.task_ids}
    # Not a degenerate case: the network has near-critical branches in some iterations.
    assert 0 < min(result.criticality.values()) < max(result.criticality.values()) == 1.0


# Exact answers ----------------------------------------------------------------------------


def triangular_quantile(a: float, c: float, b: float, p: float) -> float:
    if p < (c - a) / (b - a):
        return a + math.sqrt(p * (b - a) * (c - a))
    return b - math.sqrt((1 - p) * (b - a) * (b - c))


def triangular_pdf(a: float, c: float, b: float, x: float) -> float:
    if x < c:
        return 2 * (x - a) / ((b - a) * (c - a))
    return 2 * (b - x) / ((b - a) * (b - c))


def triangular_cdf(a: float, c: float, b: float, x: float) -> float:
    if x <= a:
        return 0.0
    if x <= c:
        return (x - a) ** 2 / ((b - a) * (c - a))
    if x < b:
        return 1 - (b - x) ** 2 / ((b - a) * (b - c))
    return 1.0


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_single_triangular_task_percentiles_are_its_quantiles(sampling):
    """One triangular task: each finish percentile is its closed-form quantile (4 SE)."""
    a, c, b = 20.0, 30.0, 60.0
    n = 10_000
    result = simulate(make_scenario(Task("t", duration=Triangular(a, c, b))), n, 11, sampling)
    for q in (10, 50, 80, 90):
        p = q / 100
        exact = triangular_quantile(a, c, b, p)
        # Random sampling: the empirical p-quantile is asymptotically normal with SE
        # sqrt(p(1-p)/n) / f(x_p), so 4 SE fails with probability 6e-5. LHS stratifies
        # the single input, which only makes the estimate tighter: the bound holds.
        se = quantile_se(p, n, triangular_pdf(a, c, b, exact))
        assert abs(result.percentile(q) - exact) < 4 * se, q


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_serial_chain_of_normals_has_the_normal_sum_p80(sampling):
    """Ten serial N(20, 3) tasks: P80 = 200 + 0.8416 sqrt(10) 3, mean 200, within 4 SE."""
    n = 10_000
    result = simulate(make_scenario(*chain("T", [Normal(20, 3)] * 10)), n, 5, sampling)
    # Truncation at 0 is 6.7 sd below the mean (mass 1e-11): the sum is N(200, 3 sqrt 10).
    mean, sd = 200.0, 3 * math.sqrt(10)
    z80 = stats.norm.ppf(0.8)
    assert abs(z80 - 0.8416) < 1e-4
    p80 = mean + z80 * sd
    # SE of the P80 estimate: sqrt(p(1-p)/n) / f(x_p), f the N(200, sd) density there.
    se = quantile_se(0.8, n, stats.norm.pdf(z80) / sd)
    assert abs(result.percentile(80) - p80) < 4 * se
    assert abs(result.mean_days - mean) < 4 * sd / math.sqrt(n)


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_parallel_tasks_merge_into_the_maximum(sampling):
    """n parallel tasks into a milestone: P(finish <= t) = F(t)^n; merge bias on the mean."""
    a, c, b = 10.0, 20.0, 40.0
    width, n_iter = 6, 20_000
    parallel = [Task(f"P{k}", duration=Triangular(a, c, b)) for k in range(width)]
    finish = Task("finish", milestone=True, predecessors=tuple(Link(t.id) for t in parallel))
    result = simulate(make_scenario(*parallel, finish), n_iter, 17, sampling)
    days = result.milestone("finish")
    assert np.array_equal(days, result.finish_days)

    def cdf_max(t: float) -> float:
        return triangular_cdf(a, c, b, t) ** width

    for target in (0.1, 0.25, 0.5, 0.75, 0.9):
        # The t at which the exact P(max <= t) is `target`.
        t = triangular_quantile(a, c, b, target ** (1 / width))
        assert abs(cdf_max(t) - target) < 1e-12
        # Binomial SE sqrt(P(1-P)/N). LHS per block of 1024 has variance at most
        # 1024/1023 times that of random sampling for any integrand (Owen 1997), so the
        # 4 SE bound holds for both samplings.
        se = math.sqrt(target * (1 - target) / n_iter)
        assert abs(np.mean(days <= t) - target) < 4 * se, target

    # E max = a + int_a^b (1 - F^n) dt; E max^2 = a^2 + int_a^b 2t (1 - F^n) dt.
    mean_max = a + integrate.quad(lambda t: 1 - cdf_max(t), a, b, points=[c])[0]
    second = a * a + integrate.quad(lambda t: 2 * t * (1 - cdf_max(t)), a, b, points=[c])[0]
    se_mean = math.sqrt(second - mean_max**2) / math.sqrt(n_iter)
    assert abs(result.mean_days - mean_max) < 4 * se_mean
    # Merge bias: the mean finish is well above the single task's mean (a + c + b) / 3.
    assert result.mean_days > (a + c + b) / 3 + 4.0


def _psplib_reference() -> dict[tuple[str, str], int]:
    path = PSPLIB / "results" / "psplib_cpm_reference.csv"
    with path.open(newline="") as fh:
        return {(r["set"], r["instance"]): int(r["header_MPM_time"]) for r in csv.DictReader(fh)}


def psplib_scenario(path: Path) -> Scenario:
    """A PSPLIB instance as a scenario of fixed durations and finish-to-start links."""
    psplib = pytest.importorskip("psplib")
    activities = psplib.parse(str(path), instance_format="psplib").activities
    preds: list[list[int]] = [[] for _ in activities]
    for i, act in enumerate(activities):
        for j in act.successors:  # 0-based
            preds[j].append(i)
    return make_scenario(
        *(
            Task(
                f"A{k}",
                duration=Fixed(float(act.modes[0].duration)),
                predecessors=tuple(Link(f"A{i}") for i in preds[k]),
            )
            for k, act in enumerate(activities)
        ),
        name=path.stem,
    )


@pytest.mark.parametrize("folder", list(PSPLIB_SETS))
def test_fixed_durations_give_the_cpm_finish_on_psplib(folder):
    """With fixed durations every iteration's finish is the CPM (MPM) length, on PSPLIB."""
    directory = PSPLIB / folder
    if not directory.is_dir():
        pytest.skip(f"shared PSPLIB data not found at {directory}")
    reference = _psplib_reference()
    files = sorted(directory.glob("*.sm"))
    assert files
    wrong = []
    for path in files:
        scenario = psplib_scenario(path)
        plan = pmo_sim.schedule(scenario)
        result = simulate(scenario, 16, 1, "lhs", threads=1)
        expected = reference[(PSPLIB_SETS[folder], path.name)]
        if not (np.all(result.finish_days == plan.finish) and plan.finish == expected):
            wrong.append((path.name, expected, plan.finish, np.unique(result.finish_days)))
        # Every iteration is the same schedule: criticality is 0 or 1, as in the CPM.
        crit = [result.criticality[t.id] for t in scenario.tasks]
        if crit != plan.critical.astype(float).tolist():
            wrong.append((path.name, "criticality"))
    assert not wrong, wrong[:5]


# Determinism -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed_runs():
    """Runs of MIXED: 3,000 iterations (not a multiple of any block size used)."""
    runs = {}
    for sampling in ("lhs", "random"):
        for threads in (1, 2, 3):
            for block in (64, 256, 1000):
                runs[sampling, threads, block] = simulate(
                    MIXED, 3000, 2024, sampling, threads, block_size=block
                )
    return runs


@pytest.mark.parametrize("sampling", ["lhs", "random"])
def test_results_do_not_depend_on_threads_or_block_size(mixed_runs, sampling):
    """Finish and milestone days are bit-for-bit equal for any threads and block size."""
    base = mixed_runs[sampling, 1, 256]
    for (s, threads, block), other in mixed_runs.items():
        if s != sampling:
            continue
        assert np.array_equal(other.finish_days, base.finish_days), (threads, block)
        assert np.array_equal(other.milestone_days, base.milestone_days), (threads, block)
        assert other.criticality == base.criticality, (threads, block)


def test_lhs_and_random_runs_differ(mixed_runs):
    """LHS and random sampling are different designs: their finishes differ."""
    lhs, rnd = mixed_runs["lhs", 1, 256], mixed_runs["random", 1, 256]
    assert not np.any(lhs.finish_days == rnd.finish_days)


def test_same_seed_same_answer_different_seed_different_answer():
    """A seed reproduces a run exactly; another seed gives other numbers."""
    first = simulate(MIXED, 2000, 99, "lhs")
    again = simulate(MIXED, 2000, 99, "lhs")
    other = simulate(MIXED, 2000, 100, "lhs")
    assert np.array_equal(first.finish_days, again.finish_days)
    assert np.array_equal(first.milestone_days, again.milestone_days)
    assert np.mean(first.finish_days == other.finish_days) < 0.01
    assert not np.array_equal(first.milestone_days, other.milestone_days)


def test_numpy_generator_seed_is_recorded_and_reproduces_the_run():
    """A numpy Generator seeds a run; the int it gave is recorded and reproduces it."""
    first = simulate(MIXED, 1000, np.random.default_rng(42), "random")
    again = simulate(MIXED, 1000, np.random.default_rng(42), "random")
    assert isinstance(first.seed, int) and 0 <= first.seed < 2**63
    assert np.array_equal(first.finish_days, again.finish_days)
    replay = simulate(MIXED, 1000, first.seed, "random")
    assert np.array_equal(replay.finish_days, first.finish_days)
    assert np.array_equal(replay.milestone_days, first.milestone_days)
    other = simulate(MIXED, 1000, np.random.default_rng(43), "random")
    assert not np.array_equal(other.finish_days, first.finish_days)


def test_first_iterations_do_not_depend_on_the_run_length():
    """Iteration i has the same finish in a run of 500 and in a run of 3,000."""
    short = simulate(MIXED, 500, 8, "lhs")
    long = simulate(MIXED, 3000, 8, "lhs")
    assert np.array_equal(short.finish_days, long.finish_days[:500])


def test_seed_defaults_to_the_scenario_settings():
    """Without arguments, simulate uses the scenario's iterations, seed and sampling."""
    scenario = Scenario(
        project=MIXED.project,
        tasks=MIXED.tasks,
        simulation=pmo_sim.SimulationSettings(iterations=700, seed=31, sampling="random"),
    )
    default = simulate(scenario)
    explicit = simulate(scenario, 700, 31, "random")
    assert (default.iterations, default.seed, default.sampling) == (700, 31, "random")
    assert np.array_equal(default.finish_days, explicit.finish_days)


def test_lhs_estimates_the_mean_finish_with_less_spread_than_random():
    """Over 30 seeds the LHS mean finish varies much less than the random-sampling one."""
    # The finish of MIXED is dominated by sums of task durations along paths, an additive
    # function of the inputs; LHS removes the additive (main-effect) part of the variance
    # of a mean (Stein 1987), leaving only the interaction part (merges, max). So the
    # ratio sd_LHS / sd_random should be well below 1 (it is about 0.2 here). Each sd
    # from 30 seeds has a relative SE of about 1/sqrt(2 * 29) = 13%, so requiring a ratio
    # below 0.5 is not marginal: it fails only if the true ratio is above ~0.3 or the
    # estimates are off by several SEs.
    seeds = range(1000, 1030)
    means = {
        sampling: np.array([simulate(MIXED, 1024, s, sampling).mean_days for s in seeds])
        for sampling in ("lhs", "random")
    }
    sd_lhs, sd_random = means["lhs"].std(ddof=1), means["random"].std(ddof=1)
    assert sd_lhs < 0.5 * sd_random, (sd_lhs, sd_random)
    # Both estimate the same mean: their averages agree within 4 SE of the difference.
    se_diff = math.sqrt((sd_lhs**2 + sd_random**2) / len(seeds))
    assert abs(means["lhs"].mean() - means["random"].mean()) < 4 * se_diff


# Arguments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "got"),
    [
        ({"iterations": 0}, "iterations", "0"),
        ({"iterations": -5}, "iterations", "-5"),
        ({"sampling": "foo"}, "sampling", "'foo'"),
        ({"threads": 0}, "threads", "0"),
        ({"seed": -1}, "seed", "-1"),
        ({"block_size": 0}, "block_size", "0"),
    ],
)
def test_bad_arguments_raise_value_error_in_house_wording(kwargs, field, got):
    """Bad simulate arguments raise ValueError: "'<field>' must be ... (got <value>)"."""
    with pytest.raises(ValueError, match=rf"^'{field}' must be .* \(got {got}\)$"):
        simulate(MIXED, **kwargs)


def test_bad_sampling_in_sample_durations_raises_value_error():
    """sample_durations refuses an unknown sampling method in the house wording."""
    with pytest.raises(ValueError, match=r"^'sampling' must be .* \(got 'foo'\)$"):
        sample_durations(MIXED, 1, "foo")


def test_non_scenario_raises_type_error():
    """simulate refuses something that is not a Scenario with a TypeError."""
    with pytest.raises(TypeError, match=r"^'scenario' must be "):
        simulate("scenario.toml")


def test_one_iteration_runs():
    """A single iteration is a valid run."""
    result = simulate(MIXED, 1, 4, "lhs")
    naive = naive_simulate(MIXED, sample_durations(MIXED, 4, "lhs", 0, 1))
    assert_allclose(result.finish_days, naive.finish, rtol=1e-12)


# Command line --------------------------------------------------------------------------------


def run_cli(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["run", str(ISSUE_EXAMPLE), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def cli_default() -> dict:
    return run_cli()


def test_cli_run_json_has_the_documented_keys(cli_default):
    """`pmo-sim run FILE --json` prints the documented document on stdout."""
    doc = cli_default
    assert (doc["iterations"], doc["seed"], doc["sampling"]) == (10_000, 7, "lhs")
    finish = doc["finish"]
    dt.date.fromisoformat(finish["deterministic"]["date"])
    assert isinstance(finish["deterministic"]["days"], float)
    assert isinstance(finish["mean_days"], float)
    for q in ("10", "50", "80", "90"):
        dt.date.fromisoformat(finish["percentiles"][q]["date"])
        assert isinstance(finish["percentiles"][q]["days"], float)
    days = [finish["percentiles"][q]["days"] for q in ("10", "50", "80", "90")]
    assert days == sorted(days)
    assert 0.0 <= finish["p_deadline"] <= 1.0
    assert set(doc["tasks"]) == {"design", "build", "permit"}
    for task in doc["tasks"].values():
        assert 0.0 <= task["criticality"] <= 1.0


def same_core_numbers(doc: dict, results: pmo_sim.Results) -> None:
    """The run settings, finish section and criticalities of ``doc`` are those of
    ``results`` (other sections may hold extra analyses the command adds)."""
    expected = json.loads(json.dumps(results.to_dict()))
    for key in ("iterations", "seed", "sampling", "finish"):
        assert doc[key] == expected[key], key
    for tid, task in expected["tasks"].items():
        assert doc["tasks"][tid]["criticality"] == task["criticality"], tid


def test_cli_run_json_equals_the_library_results(cli_default):
    """The CLI's numbers are the library's: simulate(load(file)).to_dict()."""
    same_core_numbers(cli_default, simulate(pmo_sim.load(ISSUE_EXAMPLE)))


def test_cli_run_options_are_honoured():
    """--iterations, --seed and --sampling echo back and change the numbers; --threads not."""
    one = run_cli("--iterations", "500", "--seed", "11", "--sampling", "random", "--threads", "1")
    two = run_cli("--iterations", "500", "--seed", "11", "--sampling", "random", "--threads", "2")
    assert (one["iterations"], one["seed"], one["sampling"]) == (500, 11, "random")
    assert one == two
    other_seed = run_cli("--iterations", "500", "--seed", "12", "--sampling", "random")
    assert other_seed["finish"]["mean_days"] != one["finish"]["mean_days"]
    same_core_numbers(one, simulate(pmo_sim.load(ISSUE_EXAMPLE), 500, 11, "random"))


@pytest.mark.parametrize(
    "args", [["--iterations", "0"], ["--threads", "0"], ["--sampling", "foo"], ["--seed", "-1"]]
)
def test_cli_run_rejects_bad_options(args):
    """Bad --iterations/--threads/--sampling/--seed values exit 2 with a usage error."""
    result = CliRunner().invoke(cli, ["run", str(ISSUE_EXAMPLE), "--json", *args])
    assert result.exit_code == 2
    assert result.stdout == ""


def test_partial_block_ranges_merge_to_the_whole_run():
    """Runs of consecutive block ranges, merged, equal one run of all blocks bit for bit."""
    from pmo_sim.engine.blocks import merge_runs, run_blocks
    from pmo_sim.engine.compile import compiled_model

    model = compiled_model(MIXED)
    whole = run_blocks(model, 3, "lhs", 5000, 0, 10, 2, 512)
    parts = [run_blocks(model, 3, "lhs", 5000, f, c, 1, 512) for f, c in ((0, 3), (3, 1), (4, 6))]
    merged = merge_runs(parts[::-1])
    for name in ("finish", "cost", "milestones", "occurrence", "crit", "sum_d", "sum_es", "sub_d"):
        assert np.array_equal(getattr(whole, name), getattr(merged, name)), name
    with pytest.raises(ValueError, match="not consecutive"):
        merge_runs([parts[0], parts[2]])


def test_average_ranks_match_scipy_rankdata():
    """The numpy average-rank helper equals scipy.stats.rankdata, ties included."""
    from scipy.stats import rankdata

    from pmo_sim.engine.statistics import average_ranks

    rng = np.random.default_rng(4)
    for values in (rng.random(500), rng.integers(0, 20, 500).astype(float), np.ones(7)):
        assert np.array_equal(average_ranks(values), rankdata(values))
