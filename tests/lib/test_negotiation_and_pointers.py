"""Accept-Language as RFC 9110 writes it, and JSON pointers as RFC 6901 writes them (api-conventions.md: texts
"localized by Accept-Language (kk, ru, en)", "errors[] with JSON `pointer` per field")."""

from __future__ import annotations

import pytest

from backend.lib.errors import _classify, _pointer
from backend.lib.i18n import negotiate


@pytest.mark.parametrize(("header", "expected"), [
    ("ru;q=0.5, en;q=0.8", "en"),
    # the weight's name is case-insensitive (RFC 9110 §12.4.2): a client writing "Q=" prefers English just as much
    ("ru;Q=0.5, en;Q=0.8", "en"),
    ("kk ; Q=0.9, ru ; q=0.2", "kk"),
    # a weight of zero refuses the language, in either spelling
    ("en;Q=0, kk", "kk"),
    ("kz-KZ, ru;q=0.8", "kk"),
    ("de-DE, fr;q=0.9", "ru"),
])
def test_accept_language_weights_are_read_in_either_case(header: str, expected: str) -> None:
    assert negotiate(header) == expected


@pytest.mark.parametrize(("name", "pointer"), [
    ("note", "/note"),
    ("a/b", "/a~1b"),  # unescaped, "/a/b" would point at member "b" of member "a"
    ("x~y", "/x~0y"),
    ("~/", "/~0~1"),
])
def test_an_unknown_members_pointer_escapes_its_name(name: str, pointer: str) -> None:
    message = f"Object contains unknown field `{name}`"
    assert _pointer("data", "body", message) == pointer
    assert _pointer("location", "body", message) == "/location" + pointer


def test_a_missing_body_is_a_required_field_at_the_root() -> None:
    # Litestar reports a request without the body its handler takes as the argument's bare name
    assert _pointer("data", "body", "'data'") == ""
    assert _classify("'data'", "data") == "required"
    assert _classify("Expected `object`, got `array`", "data") == "wrong_type"
