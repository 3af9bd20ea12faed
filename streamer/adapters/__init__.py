"""Adapters from real conversation formats to traffic records.

Each adapter yields `SourceItem`s: a traffic record as plain JSON data (validated
later, by the same code the worker uses), or the reason the line could not be read,
plus, where the format records one, an alternative reply for the same prefix, which
the recorded-replies stand-in serves as the candidate's.
"""

from __future__ import annotations

from streamer.adapters._source import (
    FORMATS,
    SourceItem,
    detect_format,
    read_source,
)

__all__ = ["FORMATS", "SourceItem", "detect_format", "read_source"]
