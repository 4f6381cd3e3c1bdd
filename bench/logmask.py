"""The log masker's cost per line (backend.lib.logging.mask, which the MaskingFilter runs on every log line and
JsonFormatter on every traceback): µs per line for a few typical lines.

    .venv/bin/python bench/logmask.py [--rounds 7] [--against /path/to/another/checkout]

Lines: uvicorn's access line for a report's media (a UUID, a query, a port), an ordinary application line (a
report number, a duration), a Bot API answer python-telegram-bot logs at DEBUG (JSON with names under keys), a
traceback with PostgreSQL's DETAIL of a NOT NULL violation, and a line quoting a citizen's IIN.

Each round measures every line in a process of its own (best of several repeats); the figure is the median of the
rounds' bests. `--against` runs the same lines with another checkout's mask (say, an unchanged copy of HEAD:
`git archive HEAD | tar -x -C DIR`), its rounds interleaved with this checkout's: the machine is shared and its load
changes from minute to minute, so two figures taken one after the other are not comparable.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_UUID = "3f6c9a1e-5b7d-4e2a-9c8f-1d2e3b4a5c6d"
_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/app/.venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py", line 1969, in _exec_single_context\n'
    "    self.dialect.do_execute(\n"
    '  File "/app/.venv/lib/python3.11/site-packages/sqlalchemy/engine/default.py", line 922, in do_execute\n'
    "    cursor.execute(statement, parameters)\n"
    '  File "/app/.venv/lib/python3.11/site-packages/sqlalchemy/dialects/postgresql/asyncpg.py", line 580, in execute\n'
    "    self._adapt_connection.await_(\n"
    'asyncpg.exceptions.NotNullViolationError: null value in column "department" of relation "officers" violates '
    "not-null constraint\n"
    f"DETAIL:  Failing row contains ({_UUID}, 0042, Дана Омарова, null, astana, patrol_officer, x, , t, 3, ru, "
    "2026-12-06 00:20:24.123456+00).\n\n"
    "The above exception was the direct cause of the following exception:\n\n"
    "Traceback (most recent call last):\n"
    '  File "/app/backend/officers/service.py", line 212, in create_officer\n'
    "    await session.execute(insert(Officer).values(**fields))\n"
    "sqlalchemy.exc.IntegrityError: (sqlalchemy.dialects.postgresql.asyncpg.IntegrityError) <class "
    '\'asyncpg.exceptions.NotNullViolationError\'>: null value in column "department" of relation "officers" '
    "violates not-null constraint\n"
    "[SQL: INSERT INTO officers (id, badge_number, full_name, department, district, role) VALUES ($1::UUID, "
    "$2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, $6::VARCHAR)]\n"
    "[SQL parameters hidden due to hide_parameters=True]\n"
    "(Background on this error at: https://sqlalche.me/e/20/gkpj)"
)
LINES: dict[str, str] = {
    "access": f'10.42.3.17:53512 - "GET /api/v1/reports/{_UUID}/media?page=2&limit=50 HTTP/1.1" 200',
    "app": "report ZP-2026-0000124 routed to unit P-3 (district astana) in 12.4 ms, 2 candidates",
    "bot-api-json": (
        '{"ok":true,"result":{"message_id":1042,"from":{"id":7000021234,"is_bot":true,"first_name":"Zan duty",'
        '"username":"zan_duty_bot"},"chat":{"id":616161,"first_name":"Айгерим","type":"private"},'
        '"date":1796000000,"text":"Смена начата"}}'
    ),
    "traceback-pg": _TRACEBACK,
    "iin": "citizen ИИН 900101300126 called about report ZP-2026-0000124",
}


def measure(repo: Path, seconds: float, repeat: int) -> dict[str, float]:
    """µs per line of `repo`'s mask, best of `repeat` timings of about `seconds` each."""
    sys.path.insert(0, str(repo))
    from backend.lib.logging import mask

    result = {}
    for name, line in LINES.items():
        timer = timeit.Timer(lambda line=line: mask(line))
        once = min(timer.repeat(number=1, repeat=3))
        number = max(1, int(seconds / max(once, 1e-7)))
        result[name] = min(timer.repeat(number=number, repeat=repeat)) / number * 1e6
    return result


def _round(repo: Path, seconds: float, repeat: int) -> dict[str, float]:
    # a process per round and checkout: the module imported is that checkout's, and neither warms the other's caches
    args = [sys.executable, str(Path(__file__).resolve()), "--child", str(repo), "--seconds", str(seconds)]
    out = subprocess.run([*args, "--repeat", str(repeat)], capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = json.loads(out)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.05, help="about how long one timing takes")
    parser.add_argument("--repeat", type=int, default=5, help="timings per round (the best is kept)")
    parser.add_argument("--against", type=Path, help="another checkout whose mask is measured alongside")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.seconds, args.repeat)))
        return 0
    repos = {"this": REPO} | ({"against": args.against.resolve()} if args.against else {})
    rounds: dict[str, list[dict[str, float]]] = {label: [] for label in repos}
    for _ in range(args.rounds):
        for label, repo in repos.items():
            rounds[label].append(_round(repo, args.seconds, args.repeat))
    print(f"µs per line, median of {args.rounds} interleaved rounds' bests")
    header = f"{'line':14} {'chars':>6} " + " ".join(f"{label:>9}" for label in repos)
    print(header + ("    ratio" if args.against else ""))
    for name, line in LINES.items():
        figures = [statistics.median(r[name] for r in rounds[label]) for label in repos]
        row = f"{name:14} {len(line):>6} " + " ".join(f"{f:9.1f}" for f in figures)
        print(row + (f" {figures[0] / figures[1]:8.2f}" if args.against else ""))
    for label, repo in repos.items():
        print(f"{label}: {repo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
