"""grafanalib dashboard builders, one module per kind plus domain and fleet overviews."""
