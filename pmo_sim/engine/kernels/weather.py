"""Weather: each block's lost days per weather calendar (numba). Arrays are
``engine.weather.WeatherModel.arrays``; the passes work around the lost days with
``scheduling.weather_time``.

Per weather calendar ``w`` and iteration ``t``, ``CUM[w, q, t]`` counts the lost days
among own days ``0 .. q - 1`` and ``INV[w, e, t]`` is the own day of the e-th day that
is not lost. *Weathered* work is defined there. Past the tables' span no day is lost.
"""

from __future__ import annotations

import numpy as np

from ...base.jit import kernel
from ...scheduling.timeline import own_time
from ...scheduling.weather_time import weathered
from ..quantiles import sample_row
from ..rng import mix, uniform

#: Derives the key of slot ``j`` of a period's stream (the draws that place its days).
SLOT_KEY = 0xA0761D6478BD642F


@kernel(inline="always")
def slot_key(key, j):
    return mix(key ^ mix((np.uint64(j) + np.uint64(1)) * np.uint64(SLOT_KEY)))


@kernel
def weather_prelude(i0, m, lhs, dists, weather, TMP, CUM, INV):
    """Every weather calendar's lost days in iterations ``i0 .. i0 + m - 1``: each
    period's loss drawn (rounded half up to whole days, at most the period's working
    days), its days placed scattered (Floyd's algorithm: every set of that many days
    equally likely) or as one block at a random start; then ``CUM`` and ``INV``."""
    codes, params, table = dists
    _, w_cal, w_days, w_block, periods = weather
    p_w, p_q0, p_len, p_row, p_share, p_scale, keys = periods
    for w in range(w_cal.shape[0]):
        for q in range(w_days[w]):
            for t in range(m):
                INV[w, q, t] = 0
    for p in range(p_w.shape[0]):
        w = p_w[p]
        W = p_len[p]
        q0 = p_q0[p]
        row = p_row[p]
        key = keys[p]
        sample_row(codes[row], params[row], table, key, i0, lhs, TMP, m)
        scale = np.float64(W) if p_share[p] else p_scale[p]
        for t in range(m):
            x = TMP[t] * scale
            n = int(np.floor(x + 0.5))
            n = min(max(n, 0), W)
            if n == 0:
                continue
            i = i0 + t
            if w_block[w]:
                s = int(uniform(slot_key(key, 0), i) * (W - n + 1))
                s = min(s, W - n)
                for q in range(q0 + s, q0 + s + n):
                    INV[w, q, t] = 2
            else:
                # Floyd's algorithm: n distinct days of W, every set equally likely,
                # with n draws (days already lost to another rule count as free).
                for j in range(W - n, W):
                    r = min(int(uniform(slot_key(key, j + 1), i) * (j + 1)), j)
                    if INV[w, q0 + r, t] == 2:
                        INV[w, q0 + j, t] = 2
                    else:
                        INV[w, q0 + r, t] = 2
        # Mark this period's days as lost (1); 2 marked them within the period only.
        for q in range(q0, q0 + W):
            for t in range(m):
                if INV[w, q, t] == 2:
                    INV[w, q, t] = 1
    for w in range(w_cal.shape[0]):
        Q = w_days[w]
        for t in range(m):
            CUM[w, 0, t] = 0
        for q in range(Q):
            for t in range(m):
                lost = INV[w, q, t]
                c = CUM[w, q, t]
                CUM[w, q + 1, t] = c + lost
                if not lost:
                    # The e-th day not lost is q, e = q - (days lost before it) <= q:
                    # its flag was read already.
                    INV[w, q - c, t] = q


@kernel
def days_lost(i0, m, lhs, dists, weather, cal, TMP, CUM, INV, finish, out):
    """Working days each weather calendar lost before the project finish ``finish[i]``
    in iterations ``i0 .. i0 + m - 1``, into ``out[w, i]`` (the simulation's draws)."""
    weather_prelude(i0, m, lhs, dists, weather, TMP, CUM, INV)
    w_cal, w_days = weather[1], weather[2]
    for w in range(w_cal.shape[0]):
        c = w_cal[w]
        Q = w_days[w]
        for t in range(m):
            x = finish[i0 + t]
            own = own_time(cal, c, x) if c >= 0 else x
            out[w, i0 + t] = own - weathered(CUM[w], t, Q, own)
