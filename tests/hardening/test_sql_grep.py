"""SQL only through the ORM or parameterised queries (DESIGN.md §6; rule explained in docs/security.md).

Scans every module under src/ for calls that take SQL text — ``cursor.execute``/``executemany``,
``cursor.copy``, ``Manager.raw``, ``QuerySet.extra``, ``RawSQL`` — and fails when the SQL is built
by formatting (f-string with placeholders, ``%`` or ``.format``), directly or through a local
variable. Values must go as parameters (``execute(sql, [value])``). The few places that format
*identifiers* taken from model metadata (quoted with ``connection.ops.quote_name``) are vetted by a
``# sql-vetted: <why>`` comment on the statement or the line above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
SQL_METHODS = {"execute", "executemany", "copy", "raw", "extra"}
MARKER = "sql-vetted:"
MARKERS = (MARKER, "noqa: S608")  # ruff's S608 suppression is the same conscious decision


# Vetted by reading the code, in files this harness does not own (path, statement text). Prefer the
# comment marker in new code.
ALLOWLIST = {
    (
        "jointcredit/common/bulk.py",
        'with cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN (FORMAT csv)") as copy:',
    ),  # cols: quoted model fields
}


def _metadata_only(node: ast.JoinedStr) -> bool:
    """Every placeholder is a quoted identifier or a model's table name: nothing from input."""
    for value in node.values:
        if not isinstance(value, ast.FormattedValue):
            continue
        expr = value.value
        if isinstance(expr, ast.Call):
            func = expr.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("qn", "quote_name"):
                continue
        if isinstance(expr, ast.Attribute) and expr.attr == "db_table":
            continue
        return False
    return True


def _is_formatted(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values) and not _metadata_only(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return (
            _is_formatted(node.left)
            or _is_formatted(node.right)
            or (
                isinstance(node.op, ast.Mod)
                and isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, str)
            )
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return True
    return False


def _sql_arg(call: ast.Call) -> ast.AST | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name == "RawSQL" or name in SQL_METHODS:
        if name == "extra":
            return next((kw.value for kw in call.keywords if kw.arg in ("where", "select", "tables")), None)
        if call.args:
            return call.args[0]
    return None


def _formatted_assignments(scope: ast.AST) -> dict[str, list[tuple[int, int]]]:
    """Local names assigned a formatted string in this scope → the lines of those assignments."""
    out: dict[str, list[int]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and _is_formatted(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out.setdefault(target.id, []).append((node.lineno, node.end_lineno or node.lineno))
    return out


def _vetted(lines: list[str], first: int, last: int) -> bool:
    return any(m in lines[i - 1] for i in range(max(1, first - 1), last + 1) for m in MARKERS)


def violations() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "tests" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] + [
            tree
        ]
        for scope in scopes:
            formatted = _formatted_assignments(scope)
            for node in ast.walk(scope):
                if not isinstance(node, ast.Call):
                    continue
                arg = _sql_arg(node)
                if arg is None:
                    continue
                spots = []
                if _is_formatted(arg):
                    spots.append((node.lineno, node.end_lineno or node.lineno))
                elif isinstance(arg, ast.Name) and arg.id in formatted:
                    spots += formatted[arg.id]
                    spots.append((node.lineno, node.end_lineno or node.lineno))
                    if any(_vetted(lines, a, b) for a, b in spots):
                        continue
                    spots = spots[:1]
                for first, last in spots:
                    relative, text = str(path.relative_to(SRC)), lines[first - 1].strip()
                    if not _vetted(lines, first, last) and (relative, text) not in ALLOWLIST:
                        found.append(f"{relative}:{first}: {text}")
    return sorted(set(found))


def test_sql_is_never_built_by_formatting():
    found = violations()
    assert not found, (
        "SQL built with f-strings/%/format (pass values as parameters: cursor.execute(sql, [value]); if only "
        "quoted identifiers from model metadata are formatted in, mark the statement with "
        f"'# {MARKER} <why>', see docs/security.md):\n  " + "\n  ".join(found)
    )


def test_the_scanner_catches_formatted_sql(tmp_path, monkeypatch):
    module = tmp_path / "jointcredit" / "bad.py"
    module.parent.mkdir()
    module.write_text(
        "def a(cursor, q):\n    cursor.execute(f\"SELECT * FROM t WHERE name = '{q}'\")\n"
        "def b(cursor, q):\n    sql = 'SELECT * FROM t WHERE id = %s' % q\n    cursor.execute(sql)\n"
        "def c(Model, q):\n    return Model.objects.raw('SELECT * FROM t WHERE x = {}'.format(q))\n"
        "def ok(cursor, q):\n    cursor.execute('SELECT * FROM t WHERE name = %s', [q])\n"
        "def vetted(cursor, cols, t):\n"
        "    cursor.execute(f'SELECT {cols} FROM t')  # sql-vetted: model metadata\n"
        "def metadata(cursor, qn, t, M):\n    cursor.execute(f'ANALYZE {qn(t)} {M._meta.db_table}')\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["SRC"]), "SRC", tmp_path)
    found = violations()
    assert [f.split(":")[1] for f in found] == ["2", "4", "7"], found
