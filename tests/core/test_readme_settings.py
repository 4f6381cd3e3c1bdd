"""README.md is the operator's only reference for the ZAN_* settings and the `zan` commands: a variable documented
but never read, read but never documented, a default or a bound that differs from the code, or a command the app does
not have sends an operator the wrong way. These tests read README.md and the code (no database, no network) and
hold the two to each other."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from backend import settings as settings_module
from backend.cli import main
from backend.settings import REPO_ROOT, Settings, SettingsError

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
CODE_DIRS = ("backend", "bots", "ml")
FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
# the helpers in backend/settings.py that read ZAN_<their first argument>
SETTINGS_READERS = ("_env", "_int", "_bool", "_float", "_choice")


# --- README ------------------------------------------------------------------------------------------------------

def _section(title: str) -> str:
    """The text of README's `## title` section, up to the next second-level heading."""
    match = re.search(rf"^## {re.escape(title)}[^\n]*\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


@dataclasses.dataclass(frozen=True)
class Row:
    names: tuple[str, ...]
    default: str
    meaning: str


def _rows() -> list[Row]:
    rows = []
    for line in _section("Configuration").splitlines():
        if not line.startswith("| `ZAN_"):
            continue
        # the meaning is the last column and may itself hold a `|`: split off only the first two
        names, default, meaning = line.strip().strip("|").split("|", 2)
        rows.append(Row(tuple(re.findall(r"`(ZAN_[A-Z0-9_]+)`", names)), default.strip(), meaning.strip()))
    return rows


ROWS = _rows()
DOCUMENTED = {name: row for row in ROWS for name in row.names}


# --- what the code reads -----------------------------------------------------------------------------------------

def _python_files() -> Iterator[Path]:
    for top in CODE_DIRS:
        yield from sorted((REPO_ROOT / top).rglob("*.py"))


def _string_constants(trees: dict[Path, ast.Module]) -> dict[str, str]:
    """Module-level `NAME = "ZAN_..."` anywhere (e.g. ml.routing_rules.RULES_FILE_ENV, imported by ml/cli.py)."""
    found: dict[str, str] = {}
    for tree in trees.values():
        for node in tree.body:
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str) and node.value.value.startswith("ZAN_")):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = node.value.value
    return found


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def code_reads() -> dict[str, list[str]]:
    """Every ZAN_* variable read in backend/, bots/ and ml/, with where (file:line): os.environ.get / [] / getenv,
    click's envvar=, and backend/settings.py's helpers (which prefix their argument with ZAN_)."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in _python_files()}
    constants = _string_constants(trees)

    def literal(node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        return None

    reads: dict[str, list[str]] = {}
    for path, tree in trees.items():
        where = str(path.relative_to(REPO_ROOT))
        is_settings = path == Path(settings_module.__file__).resolve()
        for node in ast.walk(tree):
            name: str | None = None
            if isinstance(node, ast.Subscript) and _is_environ(node.value):
                name = literal(node.slice)
            elif isinstance(node, ast.Call):
                func = node.func
                first = node.args[0] if node.args else None
                from_environ = isinstance(func, ast.Attribute) and func.attr in ("get", "setdefault", "pop") and (
                    _is_environ(func.value))
                getenv = (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
                    isinstance(func, ast.Name) and func.id == "getenv")
                if from_environ or getenv:
                    name = literal(first)
                elif is_settings and isinstance(func, ast.Name) and func.id in SETTINGS_READERS:
                    bare = literal(first)
                    name = f"ZAN_{bare}" if bare is not None else None
                else:
                    for keyword in node.keywords:
                        if keyword.arg == "envvar":
                            name = literal(keyword.value)
            if name is not None and name.startswith("ZAN_"):
                reads.setdefault(name, []).append(f"{where}:{getattr(node, 'lineno', 0)}")
    return reads


CODE_READS = code_reads()


def test_the_scan_finds_what_settings_reads() -> None:
    # a guard for the scan itself: if it missed the helpers, every comparison below would pass vacuously
    assert {"ZAN_DATABASE_URL", "ZAN_LOG_LEVEL", "ZAN_DB_POOL_SIZE", "ZAN_CACHE_DIR", "ZAN_E5_ENGINE",
            "ZAN_ROUTING_RULES_FILE"} <= CODE_READS.keys()
    assert len(ROWS) > 30 and "ZAN_JWT_REFRESH_TTL_S" in DOCUMENTED


def test_every_variable_the_code_reads_is_documented() -> None:
    undocumented = {name: where for name, where in CODE_READS.items() if name not in DOCUMENTED}
    assert not undocumented, f"read by the code but not in README's configuration table: {undocumented}"


def test_every_documented_variable_is_read() -> None:
    unread = sorted(set(DOCUMENTED) - CODE_READS.keys())
    assert not unread, f"in README's configuration table but read nowhere in {CODE_DIRS}: {unread}"


# --- defaults ----------------------------------------------------------------------------------------------------

@pytest.fixture
def clean(env: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No ZAN_* set but ZAN_VAR_DIR (tests/core/conftest.py's `env`), so the embedded key lands in tmp_path."""
    return env


def _setting(name: str) -> str:
    return name.removeprefix("ZAN_").lower()


def _same(value: Any, documented: str) -> bool:
    if isinstance(value, bool):
        return documented == ("true" if value else "false")
    if isinstance(value, int):
        return documented.isdigit() and int(documented) == value
    if isinstance(value, float):
        try:
            return float(documented) == value
        except ValueError:
            return False
    return str(value) == documented


def _non_settings_defaults() -> dict[str, Callable[[], Any]]:
    """Variables read outside Settings (ml/ imports no backend/): their effective default, asked of the module."""
    from ml.embcache import default_cache_dir

    return {"ZAN_CACHE_DIR": default_cache_dir}


def _checks_by_rule(settings: Settings) -> dict[str, str | None]:
    """Each documented variable's default checked by a generic reading of the default column; None: no rule applies
    (then EXPLICIT_DEFAULTS must check it). Returns the failures as messages (empty string: passed)."""
    results: dict[str, str | None] = {}
    others = _non_settings_defaults()
    for row in ROWS:
        default = row.default
        literals = re.findall(r"`([^`]*)`", default)
        only_literals = re.fullmatch(r"(`[^`]*`(, )?)+( \([^)]*\))?", default) is not None
        for index, name in enumerate(row.names):
            field = _setting(name)
            if name in EXPLICIT_DEFAULTS:
                results[name] = None
                continue
            if field in FIELDS:
                value = getattr(settings, field)
            elif name in others:
                value = others[name]()
            else:
                results[name] = None
                continue
            message: str | None = None
            if default.startswith("unset"):
                message = "" if value in (None, ()) else f"README says unset, the code defaults to {value!r}"
            elif only_literals and not literals[0].startswith("ZAN_") and len(literals) in (1, len(row.names)):
                documented = literals[0] if len(literals) == 1 else literals[index]
                message = "" if _same(value, documented) else f"README says {documented!r}, the code {value!r}"
            elif match := re.fullmatch(r"`([^`]+)` in the repository", default):
                expected = REPO_ROOT / match.group(1)
                message = "" if Path(value) == expected else f"README says {expected}, the code {value!r}"
            elif match := re.fullmatch(r"`([^`]+)` in `ZAN_VAR_DIR`", default):
                expected = settings.var_dir / match.group(1)
                message = "" if Path(value) == expected else f"README says {expected}, the code {value!r}"
            results[name] = message
    return results


def test_documented_defaults_are_the_effective_ones(clean: pytest.MonkeyPatch) -> None:
    results = _checks_by_rule(Settings.from_env())
    failures = {name: message for name, message in results.items() if message}
    assert not failures, failures
    # every variable is checked either here or by name in EXPLICIT_DEFAULTS below, never silently skipped
    unchecked = {name for name, message in results.items() if message is None} - EXPLICIT_DEFAULTS.keys()
    assert not unchecked, f"no rule reads these defaults: add them to EXPLICIT_DEFAULTS: {sorted(unchecked)}"


# Defaults in words a generic rule cannot read reliably, each checked by hand (or, where not, why not).
def _secret_key(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # "generated into `secret.key` in `ZAN_VAR_DIR` in embedded mode"
    settings = Settings.from_env()
    assert settings.secret_key == (tmp_path / "secret.key").read_text().strip()


def _var_dir(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # "`var` in the repository"; a key is given so that nothing is written into the repository's var/
    env.delenv("ZAN_VAR_DIR")
    env.setenv("ZAN_SECRET_KEY", "readme-settings-test-key")
    assert Settings.from_env().var_dir == REPO_ROOT / "var"


def _database_url(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # "SQLite `zan.db` in `ZAN_VAR_DIR`"
    assert Settings.from_env().database_url == f"sqlite+aiosqlite:///{tmp_path / 'zan.db'}"


def _queue(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # "`saq` with Redis, else `inprocess`" (only parsed: no Redis is reached)
    assert Settings.from_env().queue == "inprocess"
    env.setenv("ZAN_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert Settings.from_env().queue == "saq"


def _media_backend(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # "`s3` if `ZAN_S3_BUCKET` is set, else `local`"
    assert Settings.from_env().media_backend == "local"
    env.setenv("ZAN_S3_BUCKET", "a-bucket")
    assert Settings.from_env().media_backend == "s3"


def _s3(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # "bucket `zan-media`, region `us-east-1`"; the endpoint and the keys have no default
    settings = Settings.from_env()
    assert (settings.s3_bucket, settings.s3_region) == ("zan-media", "us-east-1")
    assert (settings.s3_endpoint_url, settings.s3_access_key, settings.s3_secret_key) == (None, None, None)


def _s3_public(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # "`ZAN_S3_ENDPOINT_URL`"
    assert Settings.from_env().s3_public_endpoint_url is None
    env.setenv("ZAN_S3_ENDPOINT_URL", "http://minio:9000")
    assert Settings.from_env().s3_public_endpoint_url == "http://minio:9000"


def _push(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # "`fcm` if `ZAN_FCM_CREDENTIALS_FILE` is set, else `log`"; the row's other variables have no default
    settings = Settings.from_env()
    assert settings.push_backend == "log"
    assert (settings.fcm_credentials_file, settings.fcm_project_id, settings.fcm_base_url) == (None, None, None)
    env.setenv("ZAN_FCM_CREDENTIALS_FILE", str(tmp_path / "sa.json"))
    assert Settings.from_env().push_backend == "fcm"


def _webhook_private(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # "`true` in embedded mode, `false` in production"
    assert Settings.from_env().webhooks_may_reach_private is True
    env.setenv("ZAN_ENVIRONMENT", "production")
    env.setenv("ZAN_DATABASE_URL", "postgresql+asyncpg://u:p@db.invalid/zan")  # parsed only, never connected to
    env.setenv("ZAN_SECRET_KEY", "0123456789abcdef" * 4)
    assert Settings.from_env().webhooks_may_reach_private is False


def _bundled(field: str, relative: str, module_default: Callable[[], Path]) -> Callable[[pytest.MonkeyPatch, Path],
                                                                                       None]:
    def check(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
        # the setting stays unset and the module that reads it falls back to the bundled file
        if field:
            assert getattr(Settings.from_env(), field) is None
        assert Path(module_default()).resolve() == (REPO_ROOT / relative).resolve()
        assert (REPO_ROOT / relative).exists()
    return check


def _router_dir() -> Path:
    from ml.classifier import DEFAULT_MODEL_DIR
    return DEFAULT_MODEL_DIR


def _legal_dir() -> Path:
    from ml.legal.index import default_index_dir
    return default_index_dir()


def _rules() -> Path:
    from ml.routing_rules import RULES_PATH
    return RULES_PATH


def _holidays() -> Path:
    from backend.reports.deadlines import DEFAULT_HOLIDAYS
    return DEFAULT_HOLIDAYS


def _not_checked(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pass


EXPLICIT_DEFAULTS: dict[str, Callable[[pytest.MonkeyPatch, Path], None]] = {
    "ZAN_SECRET_KEY": _secret_key,
    "ZAN_VAR_DIR": _var_dir,
    "ZAN_DATABASE_URL": _database_url,
    "ZAN_QUEUE": _queue,
    "ZAN_MEDIA_BACKEND": _media_backend,
    "ZAN_S3_ENDPOINT_URL": _s3, "ZAN_S3_BUCKET": _s3, "ZAN_S3_REGION": _s3, "ZAN_S3_ACCESS_KEY": _s3,
    "ZAN_S3_SECRET_KEY": _s3,
    "ZAN_S3_PUBLIC_ENDPOINT_URL": _s3_public,
    "ZAN_PUSH_BACKEND": _push, "ZAN_FCM_CREDENTIALS_FILE": _push, "ZAN_FCM_PROJECT_ID": _push,
    "ZAN_FCM_BASE_URL": _push,
    "ZAN_WEBHOOK_ALLOW_PRIVATE": _webhook_private,
    "ZAN_ROUTER_MODEL_DIR": _bundled("router_model_dir", "ml/models/router", _router_dir),
    "ZAN_LEGAL_INDEX_DIR": _bundled("legal_index_dir", "ml/models/legal-index", _legal_dir),
    "ZAN_ROUTING_RULES_FILE": _bundled("routing_rules_file", "ml/data/routing_rules.json", _rules),
    "ZAN_HOLIDAYS_FILE": _bundled("holidays_file", "backend/reports/data/holidays_kz.json", _holidays),
    # "the tuned build when installed": which engine ml.engine.selected() picks depends on the build present in the
    # environment and on this CPU's features, so the test would only restate the code; not checked
    "ZAN_E5_ENGINE": _not_checked,
}


@pytest.mark.parametrize("name", sorted(EXPLICIT_DEFAULTS))
def test_explicit_default(name: str, clean: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert name in DOCUMENTED, f"{name} is no longer in README's table: drop it from EXPLICIT_DEFAULTS"
    EXPLICIT_DEFAULTS[name](clean, tmp_path)


# --- bounds ------------------------------------------------------------------------------------------------------

# Rows naming several variables whose bounds a generic reading would assign wrongly: the bounds, by hand.
ROW_BOUNDS: dict[str, dict[str, tuple[int | None, int | None]]] = {
    # "(at least 1 and 0: ...)"
    "ZAN_DB_POOL_SIZE": {"ZAN_DB_POOL_SIZE": (1, None), "ZAN_DB_MAX_OVERFLOW": (0, None)},
    # "(at least 1; the refresh one at most 315360000, ten years)"
    "ZAN_JWT_ACCESS_TTL_S": {"ZAN_JWT_ACCESS_TTL_S": (1, None), "ZAN_JWT_REFRESH_TTL_S": (1, 315360000)},
}
# A bound the code enforces that README states in other words than "at least"/"at most".
IMPLIED_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    # "`0`: no limit": zero is the smallest limit, a negative one means nothing
    "ZAN_PARTNER_RATE_LIMIT": (0, None),
}


def documented_bounds() -> dict[str, tuple[int | None, int | None]]:
    """(at least, at most) README states for each whole-number setting."""
    bounds: dict[str, tuple[int | None, int | None]] = {}
    for row in ROWS:
        if row.names[0] in ROW_BOUNDS:
            bounds.update(ROW_BOUNDS[row.names[0]])
            continue
        for name in row.names:
            field = FIELDS.get(_setting(name))
            if field is None or field.type not in ("int", int):
                continue  # "at least 32 random bytes" of the secret key is no numeric bound
            least = re.findall(r"\bat least (\d+)", row.meaning, re.I)
            most = re.findall(r"\bat most (\d+)", row.meaning, re.I)
            assert len(least) <= 1 and len(most) <= 1, f"{name}: several bounds in one row: add it to ROW_BOUNDS"
            implied = IMPLIED_BOUNDS.get(name, (None, None))
            bounds[name] = (int(least[0]) if least else implied[0], int(most[0]) if most else implied[1])
    return bounds


def enforced_bounds() -> dict[str, tuple[int | None, int | None]]:
    """(minimum, maximum) of each `_int(...)` in Settings.from_env, read from backend/settings.py."""
    tree = ast.parse(Path(settings_module.__file__).read_text(encoding="utf-8"))
    bounds: dict[str, tuple[int | None, int | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_int":
            first = node.args[0]
            assert isinstance(first, ast.Constant)
            limits: dict[str, int | None] = {"minimum": None, "maximum": None}
            for keyword in node.keywords:
                if keyword.arg in limits:
                    # a literal, or one of the module's named limits (MAX_SKEW_S...)
                    bound = keyword.value
                    if isinstance(bound, ast.Constant) and isinstance(bound.value, int):
                        limits[keyword.arg] = bound.value
                    elif isinstance(bound, ast.Name):
                        limits[keyword.arg] = int(getattr(settings_module, bound.id))
                    else:
                        pytest.fail(f"an _int bound this test cannot read: {ast.dump(bound)}")
            bounds[f"ZAN_{first.value!s}"] = (limits["minimum"], limits["maximum"])
    return bounds


DOCUMENTED_BOUNDS = documented_bounds()
ENFORCED_BOUNDS = enforced_bounds()


def test_documented_bounds_are_the_enforced_ones() -> None:
    assert DOCUMENTED_BOUNDS.keys() == ENFORCED_BOUNDS.keys()
    differ = {name: f"README says {DOCUMENTED_BOUNDS[name]}, backend/settings.py enforces {ENFORCED_BOUNDS[name]}"
              for name in ENFORCED_BOUNDS if DOCUMENTED_BOUNDS[name] != ENFORCED_BOUNDS[name]}
    assert not differ, differ


def _edges() -> Iterator[tuple[str, int, bool]]:
    for name, (least, most) in sorted(DOCUMENTED_BOUNDS.items()):
        if least is not None:
            yield name, least - 1, False
            yield name, least, True
        if most is not None:
            yield name, most + 1, False
            yield name, most, True


@pytest.mark.parametrize(("name", "value", "accepted"), list(_edges()))
def test_from_env_holds_the_documented_bound(name: str, value: int, accepted: bool, clean: pytest.MonkeyPatch) -> None:
    clean.setenv(name, str(value))
    if accepted:
        assert getattr(Settings.from_env(), _setting(name)) == value
    else:
        with pytest.raises(SettingsError, match=name):
            Settings.from_env()


# --- the `zan` commands ------------------------------------------------------------------------------------------

def _tools_lines() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", _section("Tools"), re.S)
    assert block
    lines = []
    for line in block.group(1).splitlines():
        if line.startswith(".venv/bin/zan "):
            lines.append(re.split(r"\s+#\s", line, maxsplit=1)[0].removeprefix(".venv/bin/"))
    return lines


def _tokens(text: str) -> list[str]:
    """Words, `|`, brackets; a quoted string is one placeholder word, `a|b` keeps its tightness as `||`."""
    text = re.sub(r'"[^"]*"', "VALUE", text)
    text = re.sub(r"(?<=\S)\|(?=\S)", " || ", text)
    return re.findall(r"\|\||\||\[|\]|\(|\)|[^\s|\[\]()]+", text)


def _options(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def check_command_line(text: str, *, lenient: bool = False, seen: set[str] | None = None) -> list[str]:
    """What `text` (`zan db upgrade | downgrade`, `zan bot citizen|officer --webhook`...) names that the click app
    lacks. `a | b` are sibling commands (options after b are b's), `a|b` alternatives sharing what follows.
    `lenient`: a placeholder (`…`) where a subcommand is expected ends the check. `seen` collects the commands
    named (`zan db upgrade`)."""
    tokens = _tokens(text)
    assert tokens[0] == "zan", text
    problems: list[str] = []
    parent: click.Group = main
    current: list[click.Command] = [main]
    path = "zan"
    alternative = ""
    takes_value = False
    for token in tokens[1:]:
        if token in "[]()":
            continue
        if token in ("|", "||"):
            alternative = token
            continue
        if takes_value:  # the value of the option before (`--name kaspi`), whatever it looks like
            takes_value = False
            continue
        if token.startswith("--"):
            for command in current:
                if isinstance(command, click.Group) or token not in _options(command):
                    problems.append(f"`{path.rsplit(' ', 1)[0]} {command.name}` has no option {token}")
                else:
                    takes_value = any(token in param.opts and isinstance(param, click.Option) and not param.is_flag
                                      for param in command.params)
        elif re.fullmatch(r"[a-z][a-z0-9-]*", token):
            if alternative and token in parent.commands:  # a sibling of the command before the `|`
                sibling = parent.commands[token]
                current = [*current, sibling] if alternative == "||" else [sibling]
                path = f"{path.rsplit(' ', 1)[0]} {token}"
                if seen is not None:
                    seen.add(path)
            elif isinstance(current[-1], click.Group):
                group = current[-1]
                if token not in group.commands:
                    problems.append(f"`{path}` has no command {token}")
                    break
                parent, current, path = group, [group.commands[token]], f"{path} {token}"
                if seen is not None:
                    seen.add(path)
            else:
                problems.append(f"`{path}` takes no word {token!r} (not a command, not an option)")
        elif isinstance(current[-1], click.Group) and not alternative:
            if not lenient:
                problems.append(f"`{path}` is a group: {token!r} is not one of its commands")
            break
        alternative = ""
    return problems


def test_every_command_and_option_in_the_tools_block_exists() -> None:
    problems = {line: found for line in _tools_lines() if (found := check_command_line(line))}
    assert not problems, problems


def test_every_command_in_readme_code_blocks_exists() -> None:
    # the other blocks (Partner apps: `zan partners create --name kaspi` ...) are copied into shells just the same
    lines = [re.split(r"\s+#\s", line, maxsplit=1)[0].removeprefix(".venv/bin/")
             for line in README.splitlines() if line.startswith(".venv/bin/zan ")]
    assert len(lines) > len(_tools_lines())
    problems = {line: found for line in lines if (found := check_command_line(line))}
    assert not problems, problems


def test_every_command_named_in_readme_exists() -> None:
    # the inline mentions (`zan legal index --force`, `zan health worker`...) send operators the same way
    mentions = sorted(set(re.findall(r"`(zan [^`]*)`", README)))
    assert len(mentions) > 20
    problems = {text: found for text in mentions if (found := check_command_line(text, lenient=True))}
    assert not problems, problems


def test_every_top_level_command_is_in_the_tools_block() -> None:
    seen: set[str] = set()
    for line in _tools_lines():
        check_command_line(line, seen=seen)
    named = {path.split()[1] for path in seen}
    missing = sorted(set(main.commands) - named)
    assert not missing, f"`zan` commands README's Tools block does not mention: {missing}"
