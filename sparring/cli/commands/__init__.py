"""One module per subcommand: each parses its arguments and prints; the work is done below."""
