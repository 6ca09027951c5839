"""Foundations every layer may use: the numba options, atomic file writes, the version.

Nothing here knows what a project is; everything else may import from here.
"""
