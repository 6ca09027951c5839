"""The numba kernels: pure functions over prepared arrays, iteration index innermost."""
