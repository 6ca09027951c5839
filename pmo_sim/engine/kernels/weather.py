"""Weather: each block's lost days per weather calendar (numba). Arrays are
``engine.weather.WeatherModel.arrays``; the passes work around the lost days with
``scheduling.weather_time``.

Per weather calendar ``w`` and iteration ``t``, ``cum[w, t, q]`` counts the lost days
among own days ``0 .. q - 1`` and ``inv[w, t, e]`` is the own day of the e-th day that
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
    days), its days placed scattered (selection sampling: every set of that many days
    equally likely) or as one block at a random start; then ``CUM`` and ``INV``."""
    codes, params, table = dists
    _, w_cal, w_days, w_block, periods = weather
    p_w, p_q0, p_len, p_row, p_share, p_scale, keys = periods
    for w in range(w_cal.shape[0]):
        for t in range(m):
            flags = INV[w, t]
            for q in range(w_days[w]):
                flags[q] = 0
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
            flags = INV[w, t]
            i = i0 + t
            if w_block[w]:
                s = int(uniform(slot_key(key, 0), i) * (W - n + 1))
                s = min(s, W - n)
                for q in range(q0 + s, q0 + s + n):
                    flags[q] = 1
            else:
                need = n
                for j in range(W):
                    if need == 0:
                        break
                    if uniform(slot_key(key, j + 1), i) * (W - j) < need:
                        flags[q0 + j] = 1
                        need -= 1
    for w in range(w_cal.shape[0]):
        Q = w_days[w]
        for t in range(m):
            flags = INV[w, t]
            cum = CUM[w, t]
            cum[0] = 0
            for q in range(Q):
                cum[q + 1] = cum[q] + flags[q]
            e = 0
            for q in range(Q):
                if cum[q + 1] == cum[q]:
                    flags[e] = q  # e <= q: the flags read are already counted
                    e += 1


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
            out[w, i0 + t] = own - weathered(CUM[w, t], Q, own)
