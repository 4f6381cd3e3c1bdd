"""Every per-field problem the backend raises has its own text in kk, ru and en (backend/lib/messages.py
FIELD_ERRORS): a reason missing there is shown as the generic "invalid value", which tells the client nothing."""

from __future__ import annotations

import ast
from pathlib import Path

from backend.lib.errors import FieldProblem
from backend.lib.messages import FIELD_ERRORS

BACKEND = Path(__file__).resolve().parents[2] / "backend"
DEFAULT_CODE = FieldProblem("/x").code


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """NAME = "literal" at module level."""
    found: dict[str, str] = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            found.update((target.id, node.value.value) for target in node.targets if isinstance(target, ast.Name))
    return found


def _returned_strings(tree: ast.Module, function: str) -> set[str] | None:
    """The literals a module-level function returns, if every return is a literal."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return)]
            if returns and all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in returns):
                return {v.value for v in returns if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return None


def _is_field_problem(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "FieldProblem") or (
        isinstance(func, ast.Attribute) and func.attr == "FieldProblem")


def field_problem_codes() -> tuple[dict[str, list[str]], list[str]]:
    """Every reason given to FieldProblem(...) anywhere in backend/ (code → where), and the calls whose reason
    this reading cannot tell (to be made a literal, a module constant or a function returning literals)."""
    codes: dict[str, list[str]] = {}
    unknown: list[str] = []
    for path in sorted(BACKEND.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        constants = _string_constants(tree)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_field_problem(n)):
            where = f"{path.relative_to(BACKEND.parent)}:{call.lineno}"
            given = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg == "code"), None)
            if given is None:
                found: set[str] | None = {DEFAULT_CODE}
            elif isinstance(given, ast.Constant) and isinstance(given.value, str):
                found = {given.value}
            elif isinstance(given, ast.Name) and given.id in constants:
                found = {constants[given.id]}
            elif isinstance(given, ast.Call) and isinstance(given.func, ast.Name):
                found = _returned_strings(tree, given.func.id)
            else:
                found = None
            if found is None:
                unknown.append(where)
                continue
            for code in found:
                codes.setdefault(code, []).append(where)
    return codes, unknown


def test_every_field_problem_reason_has_texts_in_every_language() -> None:
    codes, unknown = field_problem_codes()
    assert not unknown, f"reasons this test cannot read: {unknown}"
    # the reading does find them (the validation handler's classification, module constants, keywords, defaults)
    assert {"restricted", "control_character", "required", "unknown_field", "timezone_required",
            "invalid"} <= set(codes)
    missing = {code: where for code, where in codes.items() if code not in FIELD_ERRORS}
    assert not missing, missing
    for code in codes:
        texts = FIELD_ERRORS[code]
        assert set(texts) == {"kk", "ru", "en"} and all(t.strip() for t in texts.values()), code
        if code != "invalid":  # each says more than the fallback does
            assert texts != FIELD_ERRORS["invalid"], code
