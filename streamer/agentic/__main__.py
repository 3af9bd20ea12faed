"""`python -m streamer.agentic`: the agentic measurements' command line."""

from streamer.agentic.cli import app

app(prog_name="python -m streamer.agentic")
