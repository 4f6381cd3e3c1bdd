"""The server's hybrid logical clock while a merged stamp runs ahead of the wall clock."""

from __future__ import annotations

import time

from backend.sync import hlc as hlcs


def test_counter_never_passes_five_digits_while_a_merged_stamp_runs_ahead() -> None:
    """A tablet stamping 4 minutes ahead (accepted: under the 5-minute limit) pins the server's clock to its
    millisecond until the wall catches up, and every pull and push answer draws a counter meanwhile. Past five
    digits the text form would no longer sort and a tablet merging that server_hlc would stamp every later write
    with a counter push refuses (invalid_hlc, dropped from its outbox)."""
    clock = hlcs.ServerClock()
    ahead = hlcs.Hlc(int(time.time() * 1000) + 4 * 60 * 1000, hlcs.MAX_COUNTER - 2, "tab-1")
    assert clock.accept(ahead) == ahead
    stamps = [clock.now() for _ in range(6)]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert all(s.counter <= hlcs.MAX_COUNTER for s in stamps), stamps
    texts = [str(s) for s in stamps]
    assert texts == sorted(texts)
    assert all(hlcs.parse(t) > ahead for t in texts)
