"""Hybrid logical clocks: "<wall ms:13>-<counter:05>-<node>", ordered as text and as tuples.

Per-field last-writer-wins compares these. A stamp more than 5 minutes ahead of the server is re-stamped with server
time, so a tablet with a clock set a day ahead cannot win every conflict forever.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

MAX_FUTURE_MS = 5 * 60 * 1000
# five digits: the text form stays fixed-width (ordered as text), and push refuses a larger counter (invalid_hlc)
MAX_COUNTER = 99_999


@dataclass(frozen=True, order=True)
class Hlc:
    ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.ms:013d}-{self.counter:05d}-{self.node}"


def parse(text: str) -> Hlc:
    ms, counter, node = text.split("-", 2)
    if not (ms.isdigit() and counter.isdigit() and node):
        raise ValueError("malformed hlc")
    return Hlc(int(ms), int(counter), node[:40])


class ServerClock:
    """The server's HLC: monotonic within a process and merged with every stamp it accepts."""

    def __init__(self) -> None:
        self._last = Hlc(0, 0, "server")
        self._lock = threading.Lock()

    def now(self, node: str = "server") -> Hlc:
        with self._lock:
            wall = int(time.time() * 1000)
            if wall > self._last.ms:
                self._last = Hlc(wall, 0, node)
            elif self._last.counter < MAX_COUNTER:
                self._last = Hlc(self._last.ms, self._last.counter + 1, node)
            else:
                # while a merged stamp runs ahead of the wall (tablets may stamp up to 5 min ahead) every answer
                # draws a counter: a busy server would pass five digits, and a tablet merging that server_hlc would
                # have every later write refused. Borrow the next millisecond instead (still monotonic)
                self._last = Hlc(self._last.ms + 1, 0, node)
            return self._last

    def accept(self, stamp: Hlc) -> Hlc:
        """The stamp to store for a client write: its own, unless it runs too far ahead (then server time)."""
        wall = int(time.time() * 1000)
        if stamp.ms > wall + MAX_FUTURE_MS:
            return self.now(stamp.node)
        with self._lock:
            if stamp > self._last:
                self._last = Hlc(stamp.ms, stamp.counter, "server")
        return stamp


CLOCK = ServerClock()
