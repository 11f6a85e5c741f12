"""Repair of stored text that holds ``<bound method Hit.explanation of Hit(…)>`` instead of the words.

Until ``engine.Hit.explanation`` became a property, code that wrote ``f"{hit.explanation}"`` stored
the method's repr (容缺受理 eligibility reasons and basis, the commitment's stored basis and its audit
row). The repr carries the whole hit as dataclass reprs, so the explanation can be computed again:
the repr is parsed as a Python expression tree that may only contain the engine's dataclasses,
``datetime.date``, ``frozenset`` and literals (never evaluated), and the text comes from today's
``Hit.explanation``. A repr that cannot be parsed becomes ``UNRECOVERABLE``.
"""

from __future__ import annotations

import ast
import dataclasses
from datetime import date
from typing import Any

from .catalog import MeasureInfo
from .engine import EntryRow, Hit, RoleLink

MARKER = "<bound method Hit.explanation of "
UNRECOVERABLE = "（命中说明未能从存量数据恢复，请重新核查该主体）"
_CLASSES: dict[str, type] = {
    "Hit": Hit,
    "MeasureInfo": MeasureInfo,
    "EntryRow": EntryRow,
    "RoleLink": RoleLink,
}


class _Unsafe(ValueError):
    pass


def _value(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(_value(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [_value(e) for e in node.elts]
    if isinstance(node, ast.Set):
        return {_value(e) for e in node.elts}
    if isinstance(node, ast.Call) and not node.args and not node.keywords and _name(node.func) == "frozenset":
        return frozenset()
    if isinstance(node, ast.Call) and _name(node.func) == "frozenset" and len(node.args) == 1:
        return frozenset(_value(node.args[0]))
    if isinstance(node, ast.Call) and _name(node.func) in ("datetime.date", "date"):
        return date(*(_value(a) for a in node.args))
    if isinstance(node, ast.Call) and _name(node.func) in _CLASSES:
        cls = _CLASSES[_name(node.func)]
        given = {k.arg: _value(k.value) for k in node.keywords if k.arg}
        # Fields added to the class after the row was written get their default (or None).
        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.name in given:
                kwargs[f.name] = given[f.name]
            elif f.default is not dataclasses.MISSING:
                kwargs[f.name] = f.default
            else:
                kwargs[f.name] = None
        return cls(**kwargs)
    raise _Unsafe(ast.dump(node)[:80])


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return ""


def _balanced_end(text: str, start: int) -> int:
    """Index just past the call starting at ``start`` (``Hit(`` … ``)``), skipping quoted strings."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def explanation_text_repair(text: str) -> str:
    """``text`` with every bound-method repr replaced by the hit's explanation."""
    out, pos = [], 0
    while (found := text.find(MARKER, pos)) >= 0:
        out.append(text[pos:found])
        start = found + len(MARKER)
        end = _balanced_end(text, start)
        if end < 0 or not text.startswith(">", end):
            out.append(UNRECOVERABLE)
            pos = len(text)
            break
        try:
            hit = _value(ast.parse(text[start:end], mode="eval").body)
            out.append(hit.explanation if isinstance(hit, Hit) else UNRECOVERABLE)
        except (SyntaxError, _Unsafe, TypeError, ValueError, AttributeError):
            out.append(UNRECOVERABLE)
        pos = end + 1
    out.append(text[pos:])
    return "".join(out)


def explanation_json_repair(value: Any) -> tuple[Any, bool]:
    """A JSON value with every string repaired → (value, whether anything changed)."""
    if isinstance(value, str):
        if MARKER not in value:
            return value, False
        return explanation_text_repair(value), True
    if isinstance(value, list):
        items = [explanation_json_repair(v) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, dict):
        pairs = {k: explanation_json_repair(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(c for _, c in pairs.values())
    return value, False
