"""The Kubernetes manifests: they render, pass the schemas and fit depsim's settings.

Overlays are rendered with `kubectl kustomize` (kustomize built into kubectl). Native
resources are validated against the Kubernetes schemas with kubernetes-validate;
custom resources (ServiceMonitor, PrometheusRule, ScaledObject), whose schemas it
does not carry, are checked for the fields their operators need and for agreement
with the resources they point at.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from streamer.settings import Settings, load_settings
from tests.deploy.conftest import K8S, OVERLAYS, ROOT

KUBERNETES_VERSION = "1.30.0"
CUSTOM_KINDS = {"ServiceMonitor", "PrometheusRule", "ScaledObject"}

Resource = dict[str, Any]


def render(overlay: str) -> list[Resource]:
    """The overlay's resources as `kubectl kustomize` renders them."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (with its built-in kustomize) is not installed")
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def one(resources: list[Resource], kind: str) -> Resource:
    (found,) = [r for r in resources if r["kind"] == kind]
    return found


def worker(resources: list[Resource]) -> Resource:
    container: Resource = one(resources, "Deployment")["spec"]["template"]["spec"][
        "containers"
    ][0]
    return container


def settings_data(resources: list[Resource]) -> dict[str, str]:
    (config,) = [
        r
        for r in resources
        if r["kind"] == "ConfigMap"
        and r["metadata"]["name"].startswith("depsim-settings")
    ]
    data: dict[str, str] = config["data"]
    return data


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> list[Resource]:
    return render(request.param)


def test_base_files_are_each_valid_yaml_with_a_kind() -> None:
    for path in sorted((K8S / "base").glob("*.yaml")):
        if path.name in {"kustomization.yaml", "taxonomy.yaml"}:
            continue
        resource = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert resource["apiVersion"], path
        assert resource["kind"], path


def test_native_resources_pass_strict_schema_validation(
    rendered: list[Resource],
) -> None:
    native = [r for r in rendered if r["kind"] not in CUSTOM_KINDS]

    for resource in native:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    assert {r["kind"] for r in native} >= {
        "Deployment",
        "Service",
        "ConfigMap",
        "PodDisruptionBudget",
        "ServiceAccount",
    }


def test_every_resource_lands_in_the_overlay_namespace(
    rendered: list[Resource],
) -> None:
    namespaces = {r["metadata"].get("namespace") for r in rendered}

    assert len(namespaces) == 1
    assert None not in namespaces


def test_probes_use_health_and_ready_on_the_web_port(
    rendered: list[Resource],
) -> None:
    container = worker(rendered)
    port = int(settings_data(rendered)["DEPSIM_WEB_PORT"])

    assert {"name": "web", "containerPort": port, "protocol": "TCP"} in container[
        "ports"
    ]
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "web"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "web"}


def test_worker_listens_on_all_interfaces_inside_the_pod(
    rendered: list[Resource],
) -> None:
    assert settings_data(rendered)["DEPSIM_WEB_HOST"] == "0.0.0.0"


def test_worker_sets_requests_and_limits(rendered: list[Resource]) -> None:
    resources = worker(rendered)["resources"]

    assert set(resources["requests"]) == {"cpu", "memory"}
    assert set(resources["limits"]) == {"cpu", "memory"}


def test_grace_period_outlasts_the_record_deadline(rendered: list[Resource]) -> None:
    pod = one(rendered, "Deployment")["spec"]["template"]["spec"]
    deadline = float(settings_data(rendered)["DEPSIM_RECORD_DEADLINE_S"])

    assert pod["terminationGracePeriodSeconds"] > deadline


def test_worker_runs_as_non_root_with_a_read_only_root(
    rendered: list[Resource],
) -> None:
    pod = one(rendered, "Deployment")["spec"]["template"]["spec"]
    container = worker(rendered)

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_settings_configmap_holds_only_settings_depsim_knows(
    rendered: list[Resource],
) -> None:
    data = settings_data(rendered)
    known = {f"DEPSIM_{name.upper()}" for name in Settings.model_fields}

    assert set(data) <= known


def test_settings_configmap_loads_into_valid_settings(
    rendered: list[Resource], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in settings_data(rendered).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DEPSIM_SECRETS_DIR", "/nonexistent")

    settings = load_settings()

    assert settings.web_host == "0.0.0.0"
    assert settings.taxonomy_path == Path("/etc/depsim/taxonomy.yaml")


def test_taxonomy_is_mounted_where_the_settings_look(rendered: list[Resource]) -> None:
    container = worker(rendered)
    taxonomy = Path(settings_data(rendered)["DEPSIM_TAXONOMY_PATH"])

    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["taxonomy"] == str(taxonomy.parent)


def test_taxonomy_configmap_is_the_shipped_taxonomy() -> None:
    shipped = (ROOT / "graders" / "taxonomy.yaml").read_text(encoding="utf-8")

    copy = (K8S / "base" / "taxonomy.yaml").read_text(encoding="utf-8")
    assert copy == shipped, "run deploy/sync.py"


def test_secrets_are_mounted_where_settings_read_them(
    rendered: list[Resource],
) -> None:
    container = worker(rendered)
    pod = one(rendered, "Deployment")["spec"]["template"]["spec"]
    env = {e["name"]: e["value"] for e in container["env"]}

    secret = next(v for v in pod["volumes"] if v["name"] == "secrets")["secret"]
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["secrets"]["mountPath"] == "/run/secrets/depsim"
    assert mounts["secrets"]["readOnly"] is True
    assert env["DEPSIM_SECRETS_DIR"] == "/run/secrets/depsim"
    assert secret["secretName"].startswith("depsim-secrets")


def test_dev_secret_keys_are_read_by_settings_as_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    secret = one(render("dev"), "Secret")
    for key, value in secret["data"].items():  # as the kubelet mounts them
        (tmp_path / key).write_bytes(base64.b64decode(value))
    monkeypatch.setenv("DEPSIM_SECRETS_DIR", str(tmp_path))

    settings = load_settings()

    assert settings.candidate_api_key.get_secret_value() == "not-a-real-key"


def test_service_monitor_scrapes_the_services_web_port(
    rendered: list[Resource],
) -> None:
    service = one(rendered, "Service")
    monitor = one(rendered, "ServiceMonitor")

    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= service["metadata"]["labels"].items()
    ports = {p["name"] for p in service["spec"]["ports"]}
    for endpoint in monitor["spec"]["endpoints"]:
        assert endpoint["port"] in ports
        assert endpoint["path"] == "/metrics"


def test_service_keeps_workers_listed_while_they_rebalance(
    rendered: list[Resource],
) -> None:
    service = one(rendered, "Service")

    # Alert rules use job="depsim-worker", the Service name a ServiceMonitor gives.
    assert service["metadata"]["name"] == "depsim-worker"
    assert service["spec"]["publishNotReadyAddresses"] is True


def test_service_and_budget_select_the_worker_pods(rendered: list[Resource]) -> None:
    labels = one(rendered, "Deployment")["spec"]["template"]["metadata"]["labels"]

    assert one(rendered, "Service")["spec"]["selector"].items() <= labels.items()
    budget = one(rendered, "PodDisruptionBudget")["spec"]
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    assert budget["maxUnavailable"] == 1


def test_scaler_targets_the_worker_and_its_consumer_group(
    rendered: list[Resource],
) -> None:
    scaled = one(rendered, "ScaledObject")
    data = settings_data(rendered)

    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert (
        scaled["spec"]["scaleTargetRef"]["name"]
        == one(rendered, "Deployment")["metadata"]["name"]
    )
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["bootstrapServers"] == data["DEPSIM_BOOTSTRAP_SERVERS"]
    assert trigger["metadata"]["consumerGroup"] == data["DEPSIM_GROUP_ID"]
    assert trigger["metadata"]["topic"] == data["DEPSIM_TRAFFIC_TOPIC"]
    assert int(trigger["metadata"]["lagThreshold"]) > 0


def test_scaler_never_runs_more_workers_than_partitions(
    rendered: list[Resource],
) -> None:
    spec = one(rendered, "ScaledObject")["spec"]
    partitions = int(settings_data(rendered)["DEPSIM_TOPIC_PARTITIONS"])

    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"] <= partitions


def test_prometheus_rule_is_rendered_with_its_groups(rendered: list[Resource]) -> None:
    rule = one(rendered, "PrometheusRule")

    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert {g["name"] for g in rule["spec"]["groups"]} == {
        "depsim.whole-stream",
        "depsim.pipeline",
        "depsim.alerts",
    }


def test_production_runs_several_workers_and_development_one() -> None:
    prod = one(render("prod"), "Deployment")["spec"]["replicas"]
    dev = one(render("dev"), "Deployment")["spec"]["replicas"]

    assert prod > 1
    assert dev == 1


def test_production_creates_no_secret_from_git() -> None:
    assert not [r for r in render("prod") if r["kind"] == "Secret"]
