"""Write a P6 reference schedule: a random project scheduled by MPXJ's P6 scheduler, as XER.

The project is the one ``tests/test_mpxj_reference.py`` imports (``tests/mpxj_reference.py``
says what it holds and which of MPXJ's PrimaveraScheduler limitations it avoids): three
calendars with holidays, hour durations and lags, FS/SS/FF/SF relations, every P6
constraint type and progress at a data date. With ``--compare`` the file is imported with
pmo-sim and its early dates compared with the file's (``compare_with_file``), the first
mismatches listed.

Needs MPXJ and JPype (``pip install ".[mpxj]"``) and a Java runtime.

Usage:  python benchmarks/p6_reference.py [--activities 3000] [--seed 1] [--out ref.xer]
                                          [--no-progress] [--no-constraints]
                                          [--data-date-weeks 8] [--compare [N]]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mpxj_reference import build_reference_xer, describe, java_available  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=3000, help="activities (>= 3)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the numpy generator")
    parser.add_argument("--out", type=Path, default=Path("p6_reference.xer"), help="XER file")
    parser.add_argument("--no-progress", action="store_true", help="no data date, no actuals")
    parser.add_argument("--no-constraints", action="store_true", help="no constraints")
    parser.add_argument(
        "--data-date-weeks", type=int, default=8, help="data date, weeks after the start"
    )
    parser.add_argument(
        "--compare",
        type=int,
        nargs="?",
        const=20,
        default=None,
        metavar="N",
        help="import the file with pmo-sim, compare early dates, list N mismatches",
    )
    args = parser.parse_args(argv)
    if not java_available():
        parser.error("no Java runtime found (java on the PATH or JAVA_HOME)")
    try:
        import jpype  # noqa: F401
        import mpxj  # noqa: F401
    except ImportError as exc:
        parser.error(f"{exc.name} is not installed: pip install '.[mpxj]'")

    began = time.perf_counter()
    counts = build_reference_xer(
        args.out,
        activities=args.activities,
        seed=args.seed,
        progressed=not args.no_progress,
        constraints=not args.no_constraints,
        data_date_weeks=args.data_date_weeks,
    )
    print(f"wrote {args.out} in {time.perf_counter() - began:.1f} s: {describe(counts)}")
    for check in ("inconsistent", "illogical"):
        if counts[check]:
            print(f"warning: MPXJ's dates are {check} for {', '.join(counts[check])}")

    if args.compare is not None:
        from pmo_sim.io.importers import read_schedule
        from pmo_sim.io.importers.fidelity import compare_with_file

        fid = compare_with_file(read_schedule(args.out))
        print(fid.summary())
        for m in fid.mismatches[: args.compare]:
            print(f"  {m}  [{m.cause}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
