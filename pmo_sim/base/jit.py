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
