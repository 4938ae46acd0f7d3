"""Service level objectives as code: spec (inventory `slos:` and OpenSLO v1) -> model -> steps
(windows, burn-rate alerts) -> writer (generate/slo.py), the way slok/sloth structures it."""
