"""Errors pmo-sim raises for bad input, with one wording throughout.

Every problem names where it was found (file, table, row, task id), the field, and the
rule, in the form ``'<field>' must be <rule> (got <value>)``, so a user can fix the input
without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def must(field: str, rule: str, got: object) -> str:
    """Return the house wording for a broken rule: ``'field' must be rule (got value)``."""
    return f"'{field}' must be {rule} (got {got!r})"


#: How many ids a warning names before it says how many more.
ID_LIMIT = 10


def id_list(ids, limit: int = ID_LIMIT) -> str:
    """Ids for a message: the first ``limit``, then how many more."""
    ids = list(ids)
    head = ", ".join(ids[:limit])
    return head + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where it is."""

    where: str
    message: str
    #: Every id the message is about, where it names only the first few ("A, B and 398
    #: more"): the scenario's header comments list them all.
    ids: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ScenarioError(ValueError):
    """A scenario (file or Python objects) is invalid; ``problems`` lists every problem found.

    It is a ``ValueError`` so code that builds scenarios can catch it like any other
    invalid-value error.
    """

    def __init__(self, problems: list[Problem] | Problem | str, source: str | None = None):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source = source
        super().__init__(self.report())

    def report(self) -> str:
        """The whole report: one line per problem, prefixed with the source file."""
        head = f"{self.source}: " if self.source else ""
        if len(self.problems) == 1:
            return f"{head}{self.problems[0]}"
        lines = [f"{head}{len(self.problems)} problems found:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class CheckpointError(ScenarioError):
    """A checkpoint directory cannot be used for this run (it belongs to another run, or
    cannot be read or written); the message says why and what to do.

    A ``ScenarioError`` so the command line reports it as bad input (exit 2).
    """


class ClusterError(ScenarioError):
    """A Dask cluster cannot be used: dask is not installed, the scheduler cannot be
    reached, it has no workers, or its workers run other versions.

    A ``ScenarioError`` so the command line reports it as bad input (exit 2), not as a bug.
    """
