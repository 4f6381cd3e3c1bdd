from __future__ import annotations

import pytest

from ml.taxonomy import load_taxonomy


def test_taxonomy_complete() -> None:
    tax = load_taxonomy()
    assert len(tax.categories) == 16
    assert tax.restricted_codes() == {"domestic_violence", "child_incident", "police_complaint"}
    emergency, not_police = tax.category("emergency").redirect, tax.category("not_police").redirect
    assert emergency is not None and emergency.target == "112"
    assert not_police is not None and not_police.contact.startswith("iKOMEK")
    assert tax.department_of("fraud").code == "cybercrime"
    assert tax.department("akimat").external
    for c in tax.categories:
        assert c.names.kk and c.names.ru and c.names.en
    assert tax.category("violence").names.get("kk") == "Зорлық-зомбылық"
    assert tax.category("violence").names.get("xx") == tax.category("violence").names.ru


def test_anonymous_policy() -> None:
    tax = load_taxonomy()
    assert not tax.category("not_police").anonymous_allowed
    assert not tax.category("traffic_violation").anonymous_allowed
    for code in ("theft", "violence", "drugs", "fraud", "domestic_violence", "child_incident", "emergency"):
        assert tax.category(code).anonymous_allowed, code
    assert "anonymous" in tax.notes["anonymous_allowed"]


def test_unknown_codes_raise() -> None:
    with pytest.raises(KeyError):
        load_taxonomy().category("nope")
    assert not load_taxonomy().has_category("nope")
