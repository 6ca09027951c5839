"""The deterministic side: the network and its checks, calendar tables and progress,
the critical path method and the DCMA 14-point health check.
"""
