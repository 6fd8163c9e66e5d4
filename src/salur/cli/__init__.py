"""The `salur` command line: thin commands over the use cases."""
