"""Monte Carlo: compile a scenario to arrays, run the numba kernels over blocks of
iterations (on a runner: local threads, a checkpoint, a Dask cluster) and turn what they
fill into results.
"""
