"""Copy into deploy/k8s/base what kustomize cannot read from outside it.

- deploy/prometheus/depsim-rules.yaml becomes the PrometheusRule prometheusrule.yaml;
- graders/taxonomy.yaml is copied to taxonomy.yaml (the taxonomy ConfigMap).

Run after changing either: `.venv/bin/python deploy/sync.py`. Tests fail while the
copies differ from their sources.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parent
RULES = DEPLOY / "prometheus" / "depsim-rules.yaml"
TAXONOMY = DEPLOY.parent / "graders" / "taxonomy.yaml"
BASE = DEPLOY / "k8s" / "base"

HEADER = (
    "# Generated from deploy/prometheus/depsim-rules.yaml by\n"
    "# deploy/sync.py: edit the rules there.\n"
)


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings (PromQL) as literal blocks."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def prometheus_rule() -> dict[str, Any]:
    """The PrometheusRule resource holding the rule file's groups."""
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "depsim",
            "labels": {
                "app.kubernetes.io/name": "depsim",
                "app.kubernetes.io/component": "worker",
            },
        },
        "spec": {"groups": groups},
    }


def main() -> None:
    body = yaml.dump(prometheus_rule(), Dumper=_Dumper, sort_keys=False, width=100)
    (BASE / "prometheusrule.yaml").write_text(HEADER + body, encoding="utf-8")
    (BASE / "taxonomy.yaml").write_text(
        TAXONOMY.read_text(encoding="utf-8"), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
