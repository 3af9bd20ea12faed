"""A real Prometheus scrapes a real worker that grades real conversations.

The Debian `prometheus` binary runs on a free loopback port with depsim's rule file,
scraping the worker of a LocalStack every second. Prometheus starts before any
record is sent, so it sees every series at 0 first, as in production. Then the rules
are evaluated, every dashboard query and the rollout gate's query are run through the
HTTP API, and the worker's own page is checked with `promtool check metrics`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kafka import KafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from streamer.adapters import read_source
from streamer.broker import free_port, wait_for_port
from streamer.metrics import MAX_MODEL_LABELS
from streamer.replay import replay
from streamer.samples import sample_path
from streamer.settings import Settings
from streamer.stack import LocalStack, scrape
from streamer.standin import STANDIN_MODEL
from tests.forecasts import frozen_forecast

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "depsim-rules.yaml"
DASHBOARD = ROOT / "deploy" / "grafana" / "depsim-overview.json"
ANALYSIS = ROOT / "deploy" / "argo" / "analysistemplate.yaml"
README = ROOT / "README.md"

PRE_RELEASE = 150  # conversations whose live reply comes from the production model
POST_RELEASE = 50  # conversations whose live reply comes from the candidate itself
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "${datasource}": "prometheus",
    "$category": ".*",
}
ALLOWED_LABELS = {
    "arm",
    "model",
    "category",
    "bound",
    "reason",
    "outcome",
    "role",
    "kind",
    "grader",
    "status",
    "direction",
    "window",
    "judge",
    "verdict",
    "set",
    "le",
}


class Prometheus:
    """A Prometheus server process with a temporary config and data folder."""

    def __init__(self, binary: str, workdir: Path, target: str) -> None:
        self.port = free_port()
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES)],
            "scrape_configs": [
                {
                    "job_name": "depsim-worker",
                    "static_configs": [{"targets": [target]}],
                }
            ],
        }
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self._log = (workdir / "prometheus.log").open("ab")
        self._process = subprocess.Popen(
            [
                binary,
                f"--config.file={workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={workdir / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port("127.0.0.1", self.port, 30)
        self._wait_ready(30.0)

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                url = f"http://127.0.0.1:{self.port}/-/ready"
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def api(self, path: str, **params: str) -> Any:
        """The `data` of a Prometheus HTTP API answer."""
        query = urllib.parse.urlencode(params)
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?{query}"
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's result vector."""
        result: list[dict[str, Any]] = self.api("query", query=expr)["result"]
        return result

    def wait_until(self, expr: str, timeout_s: float = 60.0) -> list[dict[str, Any]]:
        """Poll an instant query until it returns something."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            result = self.query(expr)
            if result:
                return result
            time.sleep(0.5)
        raise AssertionError(f"no data for {expr!r} after {timeout_s}s")

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()


def send_post_release(settings: Settings, count: int) -> None:
    """Real conversations whose production reply came from the candidate model.

    After a release the production model is the candidate: its live replies carry
    its name, which is what a forecast band is matched against.
    """
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers)
    items = read_source(sample_path(), "auto", attest_consent=False)
    sent = 0
    for item in items:
        if item.position < PRE_RELEASE or item.record is None:
            continue
        record = {
            **item.record,
            "id": f"post-release-{item.record['id']}",
            "source_model": settings.candidate_model,
        }
        producer.send(settings.traffic_topic, value=json.dumps(record).encode())
        sent += 1
        if sent == count:
            break
    producer.flush()
    producer.close()


@pytest.fixture(scope="module")
def observed(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Prometheus, LocalStack, list[str]]]:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("prometheus is not installed: run `make promtool` (as root)")
    workdir = tmp_path_factory.mktemp("prometheus")
    overrides = {
        # Buckets close within the run, so windows and sequences have data; the
        # band is wide enough that a healthy run raises no forecast miss.
        "window_seconds": 1,
        "window_lateness_s": 0,
        "forecast_path": frozen_forecast(
            workdir / "forecast.json", STANDIN_MODEL, low=1e-4, high=0.9
        ),
    }
    with LocalStack(
        workdir, [sample_path()], latency_ms=5, overrides=overrides
    ) as stack:
        settings = stack.settings
        assert settings is not None
        server = Prometheus(binary, workdir, f"127.0.0.1:{stack.web_port}")
        try:
            server.wait_until('up{job="depsim-worker"} == 1')
            server.wait_until("depsim_estimate_records")  # first scrape: all at 0

            summary = replay(
                [sample_path()], settings, limit=PRE_RELEASE, progress=False
            )
            send_post_release(settings, POST_RELEASE)
            total = summary.sent + POST_RELEASE
            stack.wait_finished(total, timeout_s=300)
            server.wait_until(f"depsim_estimate_records == {total}")
            graded = sum(
                value
                for (name, _), value in scrape(stack.metrics_url).items()
                if name == "depsim_estimate_graded_replies"
            )
            server.wait_until(f"sum(depsim:graded_replies:sum) == {graded}")
            server.wait_until('depsim_rate_sequence{arm="live"} > 0')
            yield server, stack, summary.record_ids
        finally:
            server.stop()


def scrape_text(stack: LocalStack) -> str:
    with urllib.request.urlopen(stack.metrics_url, timeout=5) as response:
        text: str = response.read().decode("utf-8")
    return text


def dashboard_targets() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [
        (f"{panel['title']} [{target['refId']}]", target["expr"])
        for panel in dashboard["panels"]
        if panel["type"] != "row"
        for target in panel["targets"]
    ]


def as_query(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, expr
    return expr


def documented_metrics() -> set[str]:
    """The metric names in the README's Metrics table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(depsim_[a-z_]+)`", section, flags=re.MULTILINE))


def test_prometheus_scrapes_the_worker(
    observed: tuple[Prometheus, LocalStack, list[str]],
) -> None:
    server, _, _ = observed

    (up,) = server.query('up{job="depsim-worker"}')

    assert up["value"][1] == "1"


def test_scrape_passes_promtool_check_metrics(
    observed: tuple[Prometheus, LocalStack, list[str]],
) -> None:
    _, stack, _ = observed
    promtool = shutil.which("promtool")
    assert promtool is not None

    result = subprocess.run(
        [promtool, "check", "metrics"],
        input=scrape_text(stack),
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_scrape_carries_exactly_the_documented_metrics_with_help(
    observed: tuple[Prometheus, LocalStack, list[str]],
) -> None:
    _, stack, _ = observed

    families = list(text_string_to_metric_families(scrape_text(stack)))

    depsim = {
        f.name + ("_total" if f.type == "counter" else ""): f
        for f in families
        if f.name.startswith("depsim_")
    }
    assert set(depsim) == documented_metrics()
    assert all(f.documentation.strip() for f in depsim.values())


def test_series_stay_within_bounded_label_sets(
    observed: tuple[Prometheus, LocalStack, list[str]],
) -> None:
    _, stack, record_ids = observed

    families = list(text_string_to_metric_families(scrape_text(stack)))
    samples = [s for f in families if f.name.startswith("depsim_") for s in f.samples]

    assert 100 < len(samples) < 1500
    label_values = {v for s in samples for v in s.labels.values()}
    assert {name for s in samples for name in s.labels} <= ALLOWED_LABELS
    assert not label_values & set(record_ids)
    models = {s.labels["model"] for s in samples if "model" in s.labels}
    assert len(models) <= MAX_MODEL_LABELS + 1


def test_every_rule_evaluates_without_error(
    observed: tuple[Prometheus, LocalStack, list[str]],
) -> None:
    server, _, _ = observed

    groups = server.api("rules")["groups"]

    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) == sum(
        len(g["rules"]) for g in yaml.safe_load(RULES.read_text())["groups"]
    )
    assert [r for r in rules if r["health"] != "ok"] == []


def test_no_alert_fires_on_a_healthy_run(
    observed: tuple[Prometheus, LocalStack, list[str]],
) -> None:
    server, _, _ = observed

    alerts = server.api("alerts")["alerts"]

    assert [a for a in alerts if a["state"] == "firing"] == []


def test_whole_stream_counts_equal_the_workers_own(
    observed: tuple[Prometheus, LocalStack, list[str]],
) -> None:
    server, stack, _ = observed
    exported = {
        (s.labels["arm"], s.labels["model"], s.labels["category"]): s.value
        for f in text_string_to_metric_families(scrape_text(stack))
        if f.name == "depsim_estimate_graded_replies"
        for s in f.samples
    }

    recorded = {
        (r["metric"]["arm"], r["metric"]["model"], r["metric"]["category"]): float(
            r["value"][1]
        )
        for r in server.query("depsim:graded_replies:sum")
    }

    assert recorded == exported


@pytest.mark.parametrize(("target", "expr"), dashboard_targets())
def test_dashboard_query_returns_data(
    observed: tuple[Prometheus, LocalStack, list[str]], target: str, expr: str
) -> None:
    server, _, _ = observed

    assert server.query(as_query(expr)), target


def test_rollout_gate_reads_the_live_upper_bound_of_the_released_model(
    observed: tuple[Prometheus, LocalStack, list[str]],
) -> None:
    server, stack, _ = observed
    assert stack.settings is not None
    metric = yaml.safe_load(ANALYSIS.read_text())["spec"]["metrics"][0]
    args = {
        "model": stack.settings.candidate_model,
        "category": "refusal",
        "min-graded": str(POST_RELEASE),
    }
    query = metric["provider"]["prometheus"]["query"]
    for name, value in args.items():
        query = query.replace(f"{{{{args.{name}}}}}", value)

    (result,) = server.query(query)
    (bound,) = server.query(
        f'depsim:rate_high:wilson95{{arm="live", model="{args["model"]}", '
        'category="refusal"}'
    )

    assert 0 < float(result["value"][1]) <= 1
    assert result["value"][1] == bound["value"][1]


def test_rollout_gate_is_inconclusive_below_the_minimum_sample(
    observed: tuple[Prometheus, LocalStack, list[str]],
) -> None:
    server, stack, _ = observed
    assert stack.settings is not None
    metric = yaml.safe_load(ANALYSIS.read_text())["spec"]["metrics"][0]
    query = (
        metric["provider"]["prometheus"]["query"]
        .replace("{{args.model}}", stack.settings.candidate_model)
        .replace("{{args.category}}", "refusal")
        .replace("{{args.min-graded}}", str(POST_RELEASE + 1))
    )

    assert server.query(query) == []
