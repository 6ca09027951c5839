"""Where the kernels spend their time: a ``perf`` profile with numba's functions named.

``perf`` cannot name code that numba compiled at run time, so it reports bare
addresses. This script compiles the kernels in its own process (a fresh, temporary
numba cache, so nothing is loaded from disk without its symbols), writes the address
of every compiled function to ``/tmp/perf-<pid>.map`` (the file ``perf report`` reads
for code without symbols), then runs blocks of one network of ``bench_calendars.py``
in a loop while ``perf record`` samples the process, and prints the share of samples
per function. Kernels called with ``inline="always"`` count towards their caller.

Numba's compiled functions are found through its internals (the dispatchers'
``overloads`` and their code libraries); a numba release that changes them can break
this script, not the engine. It needs Linux ``perf`` with permission to attach to the
process.

Usage:  python benchmarks/profilekernels.py [--network "6 calendars"] [--tasks 2000]
                                             [--iterations 40960] [--seconds 6]
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def readable(name: str) -> str:
    """``kernels.forward_general`` from numba's mangled ``..pmo_sim8_kernels16_forward_
    generalB3v65...``: the package's name, then length-prefixed parts up to the first
    character that is not a digit. Other names are returned as they are."""
    if "pmo_sim" not in name:
        return name
    rest = name.split("pmo_sim", 1)[1]
    parts, i = [], 0
    while i < len(rest) and rest[i].isdigit():
        j = i
        while j < len(rest) and rest[j].isdigit():
            j += 1
        n = int(rest[i:j])
        parts.append(rest[j : j + n])
        i = j + n
    return ".".join(parts) or name


def write_perf_map(path: Path) -> int:
    """Write the start address and extent of every compiled numba function; the count."""
    import numba

    found = []
    seen = set()
    for obj in gc.get_objects():
        if not isinstance(obj, numba.core.registry.CPUDispatcher):
            continue
        for cres in obj.overloads.values():
            lib = cres.library
            if id(lib) in seen:
                continue
            seen.add(id(lib))
            module = getattr(lib, "_final_module", None)
            if module is None:  # loaded from a cache: no symbols to read
                continue
            for fn in module.functions:
                if not fn.is_declaration:
                    address = lib.get_pointer_to_function(fn.name)
                    if address:
                        found.append((address, fn.name))
    found.sort()
    with path.open("w") as out:
        for k, (address, name) in enumerate(found):
            # A function is taken to run to the next one (at most 1 MiB).
            following = found[k + 1][0] if k + 1 < len(found) else address + 4096
            size = min(following - address, 1 << 20)
            out.write(f"{address:x} {size:x} {readable(name)[:100]}\n")
    return len(found)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--network", default="6 calendars", help="A network of bench_calendars.")
    ap.add_argument("--tasks", type=int, default=2000, help="Tasks in the network.")
    ap.add_argument("--iterations", type=int, default=40_960, help="Iterations per run.")
    ap.add_argument("--seconds", type=float, default=6.0, help="How long perf samples.")
    ap.add_argument("--top", type=int, default=15, help="Functions to print.")
    a = ap.parse_args()
    if not os.environ.get("NUMBA_CACHE_DIR"):
        # Re-run with a fresh cache so that every kernel is compiled here, with symbols.
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            sys.exit(subprocess.run([sys.executable, *sys.argv], env=env).returncode)

    import bench_calendars

    from pmo_sim.engine.blocks import DEFAULT_BLOCK, run_blocks
    from pmo_sim.engine.compile import compile_scenario

    model = compile_scenario(bench_calendars.build_scenarios(a.tasks, 256)[a.network])
    blocks = -(-a.iterations // DEFAULT_BLOCK)
    run_blocks(model, 1, "random", DEFAULT_BLOCK, 0, 1, 1, full=True)  # compile
    perf_map = Path(f"/tmp/perf-{os.getpid()}.map")
    print(f"{write_perf_map(perf_map)} functions in {perf_map}", file=sys.stderr)

    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            run_blocks(model, 1, "random", a.iterations, 0, blocks, 1, full=True)

    worker = threading.Thread(target=work)
    worker.start()
    time.sleep(1.0)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "perf.data"
        record = ["perf", "record", "-o", str(data), "-p", str(os.getpid()), "--"]
        subprocess.run([*record, "sleep", str(a.seconds)], check=True, capture_output=True)
        stop.set()
        worker.join()
        report = subprocess.run(
            ["perf", "report", "-i", str(data), "--no-children", "--sort", "symbol", "--stdio"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    perf_map.unlink()
    rows = [line for line in report.splitlines() if "%" in line and not line.startswith("#")]
    print(f"{a.network}, {a.tasks:,} tasks, blocks of {DEFAULT_BLOCK}, one thread\n")
    for line in rows[: a.top]:
        share, _, name = line.split(None, 2)
        print(f"{share:>8}  {name.strip()[:90]}")


if __name__ == "__main__":
    main()
