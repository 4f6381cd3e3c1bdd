"""One danger signal of `ml.urgency`: its pattern, the reason code it gives, the numbers it advises, and the context
that turns it off. Its own module so that the Russian/Kazakh table (`ml.urgency_signals`) and the English one
(`ml.urgency_signals_en`) share it without importing each other."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ml.text import any_of

# someone smoking (folded, ru / kk / en): what turns a smoke-only fire signal off ("соседи курят на балконе, дым идет
# ко мне", "the neighbours smoke on the balcony and the smoke comes in"); "курица", "куртка" are no smoking
SMOKING = any_of(
    r"\bкур(?:ят|ит|ил[аи]?|ить|ю|им|ени[еяю]|ильщик\w*|ящ\w*)\b|\bнакур\w*|сигарет|\bтабак|\bтабачн|кальян|\bвейп",
    r"\bтемеки|\bшылым",
    r"\bcigar|\btobacco|\bhookah|\bshisha|\bvap(?:e|es|ing)\b|\bsmok(?:es|ing)\b"
    r"|\b(?:they|i|we|neighbou?rs?|people|guys)\s+(?:always\s+|often\s+|constantly\s+|still\s+)?smoke\b",
)


@dataclass(frozen=True, slots=True)
class Signal:
    code: str
    pattern: re.Pattern[str]
    advise: tuple[str, ...]
    # a past-tense marker ("вчера", "кеше") without a present one turns the signal off: a fire last week is a report,
    # not an emergency. Weapons and missing people stay urgent: the danger persists.
    past_sensitive: bool = True
    # present-tense verbs that are just as often habitual ("муж бьет меня") count only with a "now" cue
    needs_now: bool = False
    # "постоянно", "каждую ночь", "үнемі": a chronic situation, serious but not an emergency
    habitual_sensitive: bool = False
    # "что делать, если меня бьют": a question about the law, not a report, unless a "now" cue says otherwise
    hypothetical_sensitive: bool = False
    # beside a past marker, a "now" of the asking ("в прошлом месяце залезли воры, что мне сейчас делать?") is no now
    asked_now: bool = False
    # context that turns the signal off wherever it is in the text: smoke beside smoking ("соседи курят на балконе,
    # дым идет ко мне") is cigarette smoke, not a fire; the fire's own words are another signal, which it leaves on
    unless: re.Pattern[str] | None = None
