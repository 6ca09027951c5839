"""pmo-sim: Monte Carlo schedule and cost risk analysis.

The public API::

    import pmo_sim
    scenario = pmo_sim.load("scenarios/office_move.toml")
    plan = pmo_sim.schedule(scenario)          # deterministic CPM
    results = pmo_sim.simulate(scenario, iterations=20_000, seed=7)
    results.percentile(80), results.probability_by("2027-09-30"), results.criticality
"""

from importlib.metadata import PackageNotFoundError, version

from .calendar import Calendar
from .cpm import CRITICAL_TOLERANCE, CPMSchedule, schedule
from .distributions import (
    Discrete,
    Distribution,
    Fixed,
    Lognormal,
    Normal,
    Pert,
    Triangular,
    Trigen,
    Uniform,
)
from .engine import rank_risks, sample_durations, simulate, simulate_until_converged
from .errors import Problem, ScenarioError
from .model import (
    Correlation,
    Impact,
    Link,
    Mitigation,
    Project,
    Risk,
    Scenario,
    SimulationSettings,
    Task,
    TaskCost,
)
from .network import health_warnings
from .results import Results
from .scenario_file import load

try:
    __version__ = version("pmo-sim")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "CRITICAL_TOLERANCE",
    "CPMSchedule",
    "Calendar",
    "Correlation",
    "Discrete",
    "Distribution",
    "Fixed",
    "Impact",
    "Link",
    "Lognormal",
    "Mitigation",
    "Normal",
    "Pert",
    "Problem",
    "Project",
    "Results",
    "Risk",
    "Scenario",
    "ScenarioError",
    "SimulationSettings",
    "Task",
    "TaskCost",
    "Triangular",
    "Trigen",
    "Uniform",
    "__version__",
    "health_warnings",
    "load",
    "rank_risks",
    "sample_durations",
    "schedule",
    "simulate",
    "simulate_until_converged",
]
