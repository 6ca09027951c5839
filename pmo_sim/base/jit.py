"""One place for numba options, so every kernel compiles the same way.

``cache=True`` writes compiled kernels next to the package (``__pycache__``) so that
only the first process pays the compilation. ``fastmath`` omits ``nnan``/``ninf`` so NaN
and infinity checks keep working, and omits ``reassoc`` so sums are computed in the
order written (a prerequisite for bit-for-bit reproducible results).
"""

from __future__ import annotations

from typing import Any

import numba

FASTMATH = {"nsz", "arcp", "contract", "afn"}
#: About how long the first run takes to compile the simulation kernels, in seconds, for
#: a network on the project's calendar and for one with task calendars or progress
#: (measured with benchmarks/bench_compile.py: 28 s and 139 s on two cores; compiling
#: is mostly serial, so more cores gain little). Only the note that says so uses them.
COMPILE_SECONDS = 30
COMPILE_SECONDS_CALENDARS = 140
#: The same with branches, risks that add work, dependent risks, uncertain lags or
#: weather (scenarios/distribution_hub.toml: about 180 s on task calendars).
COMPILE_SECONDS_LOGIC = 45
COMPILE_SECONDS_CALENDARS_LOGIC = 180


def kernel(fn: Any = None, *, parallel: bool = False, inline: str = "never") -> Any:
    """Decorate a numba kernel with the project's options.

    ``parallel=True`` only for the outer driver that uses ``numba.prange``;
    ``inline="always"`` for tiny helpers used inside hot loops.
    """

    def wrap(f: Any) -> Any:
        return numba.njit(
            cache=True,
            fastmath=FASTMATH,
            error_model="numpy",
            parallel=parallel,
            inline=inline,
            nogil=True,
        )(f)

    return wrap if fn is None else wrap(fn)


def is_cached(dispatcher: Any, fits: Any = None) -> bool:
    """Whether calling the kernel ``dispatcher`` should find it compiled, not compile it.

    True when it has compiled in this process, or numba's on-disk cache (in
    ``NUMBA_CACHE_DIR``, or ``__pycache__`` beside the module) has an entry for this
    version of its source and this CPU; with ``fits``, an entry whose signature (the
    tuple of argument types) ``fits(signature)`` accepts. It is a guess (an entry may be
    for other argument types) made for the note that a run compiles; it reads numba's
    cache index through numba's own (private) cache object, so anything unexpected
    counts as cached: a wrong guess hides the note, it never touches a run.
    """
    try:
        accept = fits or (lambda signature: True)
        if any(accept(tuple(sig)) for sig in dispatcher.signatures):
            return True
        # {} when there is no index, or it is stale or of another numba version.
        index = dispatcher._cache._cache_file._load_index()
        magic = dispatcher.targetctx.codegen().magic_tuple()
        return any(key[1] == magic and accept(tuple(key[0])) for key in index)
    except Exception:  # a numba without these internals: say nothing
        return True
