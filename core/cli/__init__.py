"""The command line, `python -m core` (subcommands: score, build, validate, directions, adapter fit|info).

Its entry point is `core.cli.main.main(argv) -> exit status` (not re-exported here, so that the name
`core.cli.main` keeps naming the module).
"""
