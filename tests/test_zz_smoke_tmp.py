import time, subprocess
import pytest

@pytest.mark.integration
def test_all(redis_exporter, mysqld_exporter, postgres_exporter, node_exporter, prometheus_factory):
    for h in (redis_exporter, mysqld_exporter, postgres_exporter, node_exporter):
        print(h)
    p = prometheus_factory("global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: node\n  static_configs:\n  - targets: ['%s']\n" % node_exporter.address)
    print(p.wait_until(lambda: [t for t in p.targets() if t["health"] == "up"], 20, 0.5))
    print(p.query("up"))
    print(subprocess.run("ss -ltnp", shell=True, capture_output=True, text=True).stdout)
    print(subprocess.run("ps -eo pid,pgid,user,args | grep -E 'postgres|mariadbd|redis|export|prometheus' | grep -v grep", shell=True, capture_output=True, text=True).stdout)
