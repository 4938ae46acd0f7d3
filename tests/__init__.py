"""The test suite, a package: its helpers import as `tests.<module>` only, never twice."""
