"""`python -m streamer` runs the depsim command line."""

from streamer.cli import main

main()
