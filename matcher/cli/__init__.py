"""The command line, one module per command group; `matcher.cli.app` assembles them."""
