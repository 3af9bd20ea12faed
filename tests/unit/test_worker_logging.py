"""The worker's logging keeps the level it is given."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import faust
import pytest

from streamer.inflight import InFlight
from streamer.worker import DrainingWorker


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, restored after the worker reconfigured it."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_warning_level_worker_builds_no_debug_records(
    root_logger: logging.Logger,
) -> None:
    worker = DrainingWorker(
        faust.App("depsim-logging-test"),
        work=InFlight(),
        grace_s=1.0,
        loglevel="WARNING",
        quiet=True,
        redirect_stdouts=False,
    )

    worker._setup_logging()

    assert root_logger.level == logging.WARNING
    assert not logging.getLogger("aiokafka").isEnabledFor(logging.DEBUG)
