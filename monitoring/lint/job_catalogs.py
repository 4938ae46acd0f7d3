"""The scrape jobs of our kinds and the metric catalogs each reads, as a table: importing
monitoring.kinds to derive it would cost `mac lint` more than the lint of a small file.
tests/test_lint_job_catalogs.py keeps it equal to the kinds' `jobs` and `catalogs`."""

from __future__ import annotations

JOB_CATALOGS: dict[str, tuple[str, ...]] = {
    "aurora_mysql": ("mysqld_exporter", "prometheus_synthetic"),
    "aurora_postgresql": ("postgres_exporter", "prometheus_synthetic"),
    "kafka-jmx": ("kafka_msk_jmx", "node_exporter", "prometheus_synthetic"),
    "kafka-node": ("kafka_msk_jmx", "node_exporter", "prometheus_synthetic"),
    "kube-state-metrics": ("kube_state_metrics", "node_exporter", "prometheus_synthetic"),
    "kubernetes-nodes": ("kube_state_metrics", "node_exporter", "prometheus_synthetic"),
    "memcached": ("memcached_exporter", "prometheus_synthetic"),
    "mysql": ("mysqld_exporter", "prometheus_synthetic"),
    "node": ("node_exporter", "prometheus_synthetic"),
    "postgresql": ("postgres_exporter", "prometheus_synthetic"),
    "redis": ("redis_exporter", "prometheus_synthetic"),
}
