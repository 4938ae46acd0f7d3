"""Monitoring-as-code: a service inventory in, monitoring configuration out."""
