"""Runners: where blocks of iterations run (this process's threads, a checkpoint on disk,
a Dask cluster). Each depends only on the block-execution layer (``engine.blocks``),
never on the engine that calls it.
"""
