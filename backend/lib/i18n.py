"""Language negotiation and the message catalogue for user-facing texts (kk, ru, en).

Kazakh and Russian are first-class; English is for foreign residents and developers.
Russian is the fallback because it is the language every partner app supports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, overload

Lang = Literal["kk", "ru", "en"]
LANGS: tuple[Lang, ...] = ("kk", "ru", "en")
DEFAULT_LANG: Lang = "ru"
_MISTAKEN = {"kz": "kk", "kaz": "kk", "rus": "ru", "eng": "en"}


@overload
def negotiate(accept_language: str | None) -> Lang: ...
@overload
def negotiate(accept_language: str | None, default: None) -> Lang | None: ...


def negotiate(accept_language: str | None, default: Lang | None = DEFAULT_LANG) -> Lang | None:
    """Pick kk/ru/en from an Accept-Language header, honouring q-values; `default` when it names none of them."""
    if not accept_language:
        return default
    best: tuple[float, Lang] | None = None
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        # "kk_KZ" is not a language tag (RFC 5646 separates with "-"), but it is what Android's Locale.toString()
        # and POSIX locales give, and apps pass it on as it is: a Kazakh phone would otherwise be answered in Russian
        primary = tag.strip().lower().replace("_", "-").split("-")[0]
        # common mistakes in the wild: kz is the country code, and the ISO 639-2 codes are what Java's and Android's
        # Locale.getISO3Language() give (RFC 5646 takes the two-letter code where one exists)
        primary = _MISTAKEN.get(primary, primary)
        if primary not in LANGS:
            continue
        q = 1.0
        # RFC 9110 §12.4.2: the weight's name is case-insensitive ("Q=0.5" is as much a weight as "q=0.5"), and
        # whitespace may surround its ";"
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                # a weight runs from 0 to 1: "q=2" or "q=inf" is as malformed as "q=abc" (and "nan" compares false), and
                # must not outrank every well-formed "q=1"
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        # earlier entries win ties, as browsers intend: only a strictly greater weight displaces the best so far (a
        # penalty per position would let a long enough header outweigh a real difference of 0.001)
        if q > 0 and (best is None or q > best[0]):
            best = (q, primary)  # type: ignore[assignment]
    return best[1] if best else default


def pick(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get(DEFAULT_LANG) or next(iter(texts.values()))
