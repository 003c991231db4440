"""The deployment files: ``deploy/prometheus.yml`` is valid YAML that
scrapes the three daemons on the shipped confs' ``[metrics] listen``
addresses, and ``deploy/grafana/lars.json`` is a valid dashboard whose
queries name only metrics the daemons export (checked against a real
exposition in ``tests/e2e``; here, against the exposition parser of the
official Python client)."""

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[3]


def shipped_listen(conf: str) -> str:
    text = (ROOT / "conf" / conf).read_text()
    section = text.split("[metrics]", 1)[1]
    return re.search(r"^listen = (\S+)$", section, re.M).group(1)


def test_prometheus_scrapes_the_three_shipped_endpoints() -> None:
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    targets = {
        job["job_name"]: job["static_configs"][0]["targets"]
        for job in config["scrape_configs"]
    }
    assert targets == {
        "lars-dns": [shipped_listen("lars_dns.conf")],
        "lars-reporter": [shipped_listen("lars_reporter.conf")],
        "lars-agent": [shipped_listen("lars_lb_agent.conf")],
    }


def test_the_dashboard_is_valid_json_with_prometheus_queries() -> None:
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "lars.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 20
    names = {n for e in exprs for n in re.findall(r"lars_[a-z_]+", e)}
    assert {n.split("_")[1] for n in names} == {"agent", "dns", "reporter"}


def test_the_official_parser_reads_a_daemon_exposition(stack) -> None:
    import urllib.request

    with urllib.request.urlopen(f"http://{stack.agent_http}/metrics", timeout=5) as resp:
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = resp.read().decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["lars_agent_requests"].type == "counter"
    assert families["lars_agent_request_duration_seconds"].type == "histogram"
    assert families["lars_build_info"].samples[0].labels["daemon"] == "lars-agent"
