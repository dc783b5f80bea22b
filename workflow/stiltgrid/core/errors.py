"""Errors the package raises on purpose: a wrong setting, a malformed file, an unreachable model, a diverging run.

Their message is one line that says what is wrong, where (the config key, or file:line and field) and how to fix it.
A job that ends with one prints that line on the console and keeps the traceback for its log file
(stiltgrid.runtime.process); any other exception is a bug and keeps its traceback everywhere.
"""


class UserError(Exception):
    """Base of every error whose message alone tells the user what to do."""


class ConfigError(UserError, ValueError):
    """A setting in config.yaml, a --configfile or --config is wrong (or does not fit the data or the encoder)."""
