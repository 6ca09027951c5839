"""A slow, obviously correct CPM with every constraint type, on working-day offsets.

Written from the tools' rules as a planner states them, sharing no code with
``pmo_sim``. Time is in working days from the project start (day ``k`` starts at ``k``
and ends at ``k + 1``); every task works on that one calendar. Each pass recomputes
every task from its neighbours' current dates, over and over, until nothing changes
(no topological order):

- early dates: the start is the latest of the project start, the data date, a start no
  earlier than, what each link asks (FS/SS bound the start, FF/SF the finish, less the
  duration) and a finish no earlier than (less the duration); a mandatory date fixes
  it instead, whatever the links say. Where constraints override the logic, the start
  is then pulled back to a start no later than, and to a finish no later than less the
  duration, never before the data date (or the project start);
- late dates: the finish is the earliest of the project finish and what each link
  into a successor allows, then at most a finish no later than or a deadline, and at
  most a start no later than plus the duration; a mandatory date sets it;
- as late as possible by total float (MS Project): after both passes, such a task
  sits at its late start (not before the data date), whatever its links say, and the
  early dates of the others are computed again around it; late dates stay, and the
  project finish is the latest early finish (earlier, where negative float moved a
  task before its logic allowed).

``constraints`` maps a task id to a dict of offsets: ``snet``, ``fnet``, ``snlt``,
``fnlt``, ``deadline``, ``ms`` (mandatory start), ``mf`` (mandatory finish), and
``alap`` (True).
"""

from __future__ import annotations

from dataclasses import dataclass

# (predecessor id, successor id, link type, lag)
Link = tuple[str, str, str, float]


@dataclass
class Dates:
    early_start: dict[str, float]
    early_finish: dict[str, float]
    late_start: dict[str, float]
    late_finish: dict[str, float]
    total_float: dict[str, float]
    finish: float


def _early(durations, links, cons, override, floor, fixed):
    es = dict.fromkeys(durations, floor)
    for _ in range(len(durations) + 2):
        changed = False
        for t, d in durations.items():
            c = cons.get(t, {})
            if t in fixed:
                s = fixed[t]
            elif "ms" in c:
                s = max(c["ms"], floor)
            elif "mf" in c:
                s = max(c["mf"] - d, floor)
            else:
                s = max(floor, c.get("snet", floor), c.get("fnet", -1e9) - d)
                for p, q, kind, lag in links:
                    if q != t:
                        continue
                    at = es[p] + durations[p] if kind[0] == "F" else es[p]
                    s = max(s, at + lag - (d if kind[1] == "F" else 0.0))
                if override:
                    s = min(s, c.get("snlt", s), c.get("fnlt", 1e9) - d)
                    s = max(s, floor)
            if s != es[t]:
                es[t] = s
                changed = True
        if not changed:
            return es
    raise ValueError("the early dates did not settle: the links have a cycle")


def _late(durations, links, cons, finish):
    lf = dict.fromkeys(durations, finish)
    for _ in range(len(durations) + 2):
        changed = False
        for t, d in durations.items():
            c = cons.get(t, {})
            if "ms" in c:
                f = c["ms"] + d
            elif "mf" in c:
                f = c["mf"]
            else:
                f = finish
                for p, q, kind, lag in links:
                    if p != t:
                        continue
                    at = lf[q] - durations[q] if kind[1] == "S" else lf[q]
                    f = min(f, at - lag + (d if kind[0] == "S" else 0.0))
                f = min(f, c.get("fnlt", f), c.get("deadline", f), c.get("snlt", f) + d)
            if f != lf[t]:
                lf[t] = f
                changed = True
        if not changed:
            return lf
    raise ValueError("the late dates did not settle: the links have a cycle")


def naive_constrained_cpm(
    durations: dict[str, float],
    links: list[Link],
    constraints: dict[str, dict],
    *,
    override: bool = False,
    alap_total: bool = False,
    floor: float = 0.0,
) -> Dates:
    """Early and late dates, total floats and the project finish (see the module)."""
    es = _early(durations, links, constraints, override, floor, {})
    finish = max(es[t] + d for t, d in durations.items())
    lf = _late(durations, links, constraints, finish)
    ls = {t: lf[t] - d for t, d in durations.items()}
    tf = {t: lf[t] - (es[t] + d) for t, d in durations.items()}
    late = [t for t in durations if constraints.get(t, {}).get("alap")]
    if alap_total and late:
        es = _early(
            durations, links, constraints, override, floor, {t: max(ls[t], floor) for t in late}
        )
        tf = {t: tf[t] if t in late else lf[t] - (es[t] + d) for t, d in durations.items()}
        # The late dates stay; the finish is the early one (earlier where negative
        # float moved a task before its logic).
        finish = max(es[t] + d for t, d in durations.items())
    ef = {t: es[t] + d for t, d in durations.items()}
    return Dates(es, ef, ls, lf, tf, finish)
