"""The command line: the root app, one module per command group, output for people and for scripts."""
