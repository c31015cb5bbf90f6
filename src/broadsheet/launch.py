"""The ``broadsheet`` command's entry point."""

from __future__ import annotations


def run() -> int:
    """:func:`broadsheet.cli.main`, with the garbage collector paused while
    it starts: loading the command's modules allocates a great deal and frees
    little, and collecting meanwhile only walks the same new objects again
    and again (about 30 ms of the first screen, 50 ms of a refresh).  The
    command resumes collection once its own work begins
    (:func:`broadsheet.settle`)."""
    import gc

    gc.disable()
    from broadsheet.cli import main

    return main()
