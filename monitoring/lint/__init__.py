"""`mac lint`: a native linter for Prometheus rule files, no promtool at run time.

Import path kept lean (PyYAML's C loader, promql-parser, stdlib): no jsonschema, ruamel or grafanalib.
"""
