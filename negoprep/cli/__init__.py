"""The command line: argument parsing and printing over `negoprep.app`."""
