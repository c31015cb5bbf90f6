"""broadsheet: a keyboard-driven terminal reader for news and long-form articles."""

__version__ = "0.1.0"
