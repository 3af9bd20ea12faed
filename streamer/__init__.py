"""depsim's streamer: records, the worker, the candidate client and the command line."""
