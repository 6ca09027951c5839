"""The percentiles every report and JSON document gives, and the JCL levels."""

from __future__ import annotations

REPORTED_PERCENTILES = (10, 50, 80, 90)
JCL_LEVELS = (50, 70, 80)
