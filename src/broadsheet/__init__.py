"""broadsheet: a keyboard-driven terminal reader for news and long-form articles."""

__version__ = "0.1.0"


def settle() -> None:
    """Resume the garbage collector paused by :func:`broadsheet.launch.run`,
    leaving what the start loaded out of its way for good (``gc.freeze``).
    Does nothing where it was not paused (broadsheet used as a library, the
    tests)."""
    import gc

    if not gc.isenabled():
        gc.freeze()
        gc.enable()
