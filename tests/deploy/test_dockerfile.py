"""The container image recipe (no Docker engine here: the Dockerfile is parsed)."""

from __future__ import annotations

import json
import tomllib
from typing import Any

from dockerfile_parse import DockerfileParser

from tests.deploy.conftest import DEPLOY, ROOT

DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
BUILD_TOOLS = ("build-essential", "gcc", "g++", "make", "git")


def stages() -> list[list[dict[str, Any]]]:
    """The Dockerfile's instructions, split into stages."""
    parser = DockerfileParser(path=str(DOCKERFILE))
    result: list[list[dict[str, Any]]] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            result.append([])
        if result and instruction["instruction"] != "COMMENT":
            result[-1].append(instruction)
    return result


def final() -> list[dict[str, Any]]:
    return stages()[-1]


def last(stage: list[dict[str, Any]], name: str) -> str:
    values = [i["value"] for i in stage if i["instruction"] == name]
    assert values, name
    return str(values[-1])


def test_image_is_built_in_more_than_one_stage() -> None:
    assert len(stages()) >= 2


def test_entrypoint_is_the_depsim_console_script() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

    entrypoint = json.loads(last(final(), "ENTRYPOINT"))

    assert entrypoint == ["depsim"]
    assert "depsim" in project["project"]["scripts"]
    assert json.loads(last(final(), "CMD")) == ["worker"]


def test_final_stage_runs_as_a_non_root_user() -> None:
    user = last(final(), "USER").split(":")[0]

    assert user not in {"root", "0"}


def test_final_stage_installs_no_build_tools() -> None:
    commands = " ".join(i["value"] for i in final() if i["instruction"] == "RUN")

    for tool in BUILD_TOOLS:
        assert tool not in commands.split(), tool


def test_final_stage_takes_only_the_built_environment_from_the_builder() -> None:
    copies = [i["value"] for i in final() if i["instruction"] == "COPY"]

    assert copies == ["--from=builder /opt/depsim /opt/depsim"]


def test_image_listens_on_the_web_port_of_the_settings() -> None:
    from streamer.settings import Settings

    assert last(final(), "EXPOSE") == str(Settings().web_port)
