"""Agentic traffic: replay with simulated tool calls, and how realistic it looks.

wiring      settings -> the agentic arms of a worker
arms        both arms of a record with tools, per cut, through the grader panel
replay      the candidate continues from a cut; tool calls are simulated
simulator   unknown tool -> error; database -> recorded response; else a model
tooldb      recorded tool calls and responses, in a SQLite file
accounts    what replays spend: the worker's budget and metrics
realism     discriminator win rate and evaluation-awareness rates (LLM judge)
realism_sampler  the same judgements on a sample of the worker's agent records
hitrate     how often the database answers recorded calls by itself
"""

from streamer.agentic.arms import AgenticArms, is_agentic
from streamer.agentic.replay import Continuation, Replayer, ReplayLimits
from streamer.agentic.simulator import ToolResult, ToolSimulator
from streamer.agentic.tooldb import Scope, ToolDatabase
from streamer.agentic.wiring import AgenticConfig, build_agentic_arms

__all__ = [
    "AgenticArms",
    "AgenticConfig",
    "Continuation",
    "ReplayLimits",
    "Replayer",
    "Scope",
    "ToolDatabase",
    "ToolResult",
    "ToolSimulator",
    "build_agentic_arms",
    "is_agentic",
]
