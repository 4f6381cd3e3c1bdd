"""Every error code has its title in Kazakh, Russian and English (api-conventions.md: "`title`/`detail` localized by
`Accept-Language` (kk, ru, en)"; the law: "Answers are given in the state language or in the language of the appeal").

A code raised without a catalogue entry is answered with the *internal error's* title ("Internal server error…")
under a 404 or a 409: the citizen is told the server broke when their report was not found. So the codes the code
raises are read from the source, and each must be in the catalogue the running app has (backend/lib/messages.py and
the domains' `register_errors`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from backend.app import _optional_controllers
from backend.lib.errors import _HTTP_CODES
from backend.lib.i18n import LANGS
from backend.lib.messages import ERRORS

ROOT = Path(__file__).resolve().parents[2]
# the letters Kazakh has and Russian does not: a Kazakh slot holding a Russian text lacks them (a few short Kazakh
# titles happen to need none of them; they are named here, each checked by eye)
_KAZAKH_LETTERS = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
_KAZAKH_WITHOUT_OWN_LETTERS = {"not_found": "Табылмады", "media.not_found": "Файл табылмады",
                               "pagination.cursor_invalid": "Курсор жарамсыз"}
_CYRILLIC = re.compile("[а-яА-ЯёЁәғқңөұүһіӘҒҚҢӨҰҮҺІ]")


def _catalogue() -> dict[str, dict[str, str]]:
    _optional_controllers()  # the domains register their codes when their modules are imported, as the app does
    return ERRORS


def _raised_codes() -> tuple[dict[str, list[str]], list[str]]:
    """Literal codes given to ZanError(...), not_found(...), unauthenticated(...) (the partner 401) and
    problem(request, ...) in backend/ and bots/ (code → where), and the calls whose code is not a literal."""
    codes: dict[str, list[str]] = {}
    unread: list[str] = []
    for path in sorted([*(ROOT / "backend").rglob("*.py"), *(ROOT / "bots").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            func = call.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in ("ZanError", "not_found", "problem", "unauthenticated"):
                continue
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            position = 1 if name == "problem" else 0
            given = call.args[position] if len(call.args) > position else next(
                (k.value for k in call.keywords if k.arg == "code"), None)
            if given is None:
                if name == "not_found":  # its default
                    codes.setdefault("not_found", []).append(where)
                continue
            if isinstance(given, ast.Constant) and isinstance(given.value, str):
                codes.setdefault(given.value, []).append(where)
            else:
                unread.append(f"{where}: {ast.unparse(given)}")
    return codes, unread


def test_every_code_the_code_raises_is_in_the_catalogue() -> None:
    catalogue = _catalogue()
    codes, unread = _raised_codes()
    assert len(codes) > 40  # the reading does find them
    missing = {code: where for code, where in codes.items() if code not in catalogue}
    assert not missing, f"codes without kk/ru/en titles (answered as 'internal error'): {missing}"
    # the framework's own errors, as errors.py names them
    assert not set(_HTTP_CODES.values()) - set(catalogue)
    assert {"internal", "validation.failed", "validation.body_malformed"} <= set(catalogue)
    # codes passed on as variables: the plumbing that forwards a caller's code, the media links' two codes, and the
    # partner 401 helper (its callers' literal codes are read where they call it)
    # rules.as_error answers the codes of backend.officers.rules (rules.Refused), each registered
    forwarded = {"backend/lib/errors.py", "backend/media/controller.py", "backend/partners/service.py",
                 "backend/officers/rules.py"}
    assert {where.split(":")[0] for where in unread} <= forwarded, unread
    for code in ("media.upload_token_invalid", "media.download_token_invalid"):
        assert code in catalogue


@pytest.mark.parametrize("code", sorted(_catalogue()))
def test_every_code_has_its_own_text_in_each_language(code: str) -> None:
    texts = _catalogue()[code]
    assert set(texts) == set(LANGS), f"{code}: {sorted(texts)}"
    assert all(texts[lang].strip() for lang in LANGS), code
    # three different texts: none is a copy of another language's
    assert len({texts[lang].strip().casefold() for lang in LANGS}) == 3, texts
    assert not _CYRILLIC.search(texts["en"]), f"{code}: the English text is not English: {texts['en']}"
    assert _CYRILLIC.search(texts["ru"]) and _CYRILLIC.search(texts["kk"]), texts
    if code in _KAZAKH_WITHOUT_OWN_LETTERS:
        assert texts["kk"] == _KAZAKH_WITHOUT_OWN_LETTERS[code]
    else:
        assert _KAZAKH_LETTERS.search(texts["kk"]), f"{code}: the Kazakh text looks Russian: {texts['kk']}"

