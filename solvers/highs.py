"""One silent HiGHS instance, shared by the back-ends that use HiGHS directly."""

from __future__ import annotations

import os
import sys

import highspy

_highs_banner_shown = False
_highs_threads: int | None = None  # what HiGHS's process-wide scheduler was started with


def new_highs(threads: int) -> highspy.Highs:
    """A silent HiGHS instance on `threads` threads.

    The first instance prints a banner to stdout from C++, which would corrupt JSON
    output, so it is created with fd 1 pointed at /dev/null. HiGHS runs every instance
    on one process-wide scheduler and fails to run when asked for another thread count,
    so the scheduler is restarted when the count changes."""
    global _highs_banner_shown, _highs_threads
    if _highs_banner_shown:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    else:
        sys.stdout.flush()
        saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        try:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _highs_banner_shown = True
    h.setOptionValue("output_flag", False)
    if _highs_threads != threads:  # also the first time: another module may have started it
        highspy.Highs.resetGlobalScheduler(True)
    _highs_threads = threads
    h.setOptionValue("threads", threads)
    return h
