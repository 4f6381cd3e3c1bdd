"""The danger signals `ml.urgency` looks for: each a pattern over the folded text (`ml.text.fold`) in Russian, Kazakh
and English, the reason code it gives, the emergency numbers it advises, and which context words turn it off.

Kept apart from the verdict rule (ml/urgency.py) because the tables are most of the detector's size and change on
their own: bump `ml.urgency.URGENCY_VERSION` whenever a pattern changes. The Russian and Kazakh signals are in
`ml.urgency_signals_harm` (harm to people) and `ml.urgency_signals_hazard` (hazards, people gone, break-ins), the
English ones in `ml.urgency_signals_en` (appended last, as they always were); the shape of a signal is
`ml.urgency_signal.Signal`. The order is the order of a verdict's reasons.
"""

from __future__ import annotations

from ml.urgency_signal import Signal
from ml.urgency_signals_en import EN_SIGNALS
from ml.urgency_signals_harm import HARM_SIGNALS
from ml.urgency_signals_hazard import HAZARD_SIGNALS

SIGNALS: tuple[Signal, ...] = (*HARM_SIGNALS, *HAZARD_SIGNALS, *EN_SIGNALS)
