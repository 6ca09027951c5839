"""pmo-sim: Monte Carlo schedule and cost risk analysis.

The public API::

    import pmo_sim
    scenario = pmo_sim.load("scenarios/office_move.toml")
    plan = pmo_sim.schedule(scenario)          # deterministic CPM
    results = pmo_sim.simulate(scenario, iterations=20_000, seed=7)
    results.percentile(80), results.probability_by("2027-09-30"), results.criticality
"""

from .base.version import __version__
from .engine.convergence import simulate_until_converged
from .engine.levelling import LevelledPlan, levelled_plan
from .engine.portfolio import portfolio_durations, simulate_portfolio
from .engine.ranking import rank_risks
from .engine.simulate import sample_durations, simulate
from .io.portfolio_file import load as load_portfolio
from .io.scenario_file import load
from .model.branches import Branch, BranchOption, Condition
from .model.calendar import Calendar
from .model.distributions import (
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
from .model.errors import Problem, ScenarioError
from .model.portfolio import CrossLink, Portfolio, PortfolioCorrelation, PortfolioProject
from .model.resources import Assignment, Resource
from .model.risks import Impact, Mitigation, Risk
from .model.scenario import Correlation, Project, Scenario, SimulationSettings
from .model.tasks import Link, Task, TaskCost
from .model.weather import WeatherLoss
from .results.portfolio import PortfolioResults
from .results.simulation import Results
from .scheduling.cpm import CRITICAL_TOLERANCE, CPMSchedule, schedule
from .scheduling.network import health_warnings

__all__ = [
    "CRITICAL_TOLERANCE",
    "Assignment",
    "Branch",
    "BranchOption",
    "CPMSchedule",
    "Calendar",
    "Condition",
    "Correlation",
    "CrossLink",
    "Discrete",
    "Distribution",
    "Fixed",
    "Impact",
    "LevelledPlan",
    "Link",
    "Lognormal",
    "Mitigation",
    "Normal",
    "Pert",
    "Portfolio",
    "PortfolioCorrelation",
    "PortfolioProject",
    "PortfolioResults",
    "Problem",
    "Project",
    "Resource",
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
    "WeatherLoss",
    "__version__",
    "health_warnings",
    "levelled_plan",
    "load",
    "load_portfolio",
    "portfolio_durations",
    "rank_risks",
    "sample_durations",
    "schedule",
    "simulate",
    "simulate_portfolio",
    "simulate_until_converged",
]
