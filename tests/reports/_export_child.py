"""The export worker, stopped mid-way for the kill -9 test (not a test module).

It runs ``expo.reports.export_worker`` unchanged except that the writer thread, after its
first chunk, prints ``writing`` and waits until the build is cancelled (SIGTERM): the job is
running, its ``.part`` file is half written and its heartbeat keeps beating, until the test
stops or kills the process.
"""

from __future__ import annotations

import sys

from expo.reports import export_worker, workbook

_add = workbook._Counter.add


def _add_then_hang(self: workbook._Counter, n: int, stage: str) -> None:
    _add(self, n, stage)
    print("writing", flush=True)
    self.bridge.cancelled.wait()


workbook._Counter.add = _add_then_hang  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(export_worker.main())
