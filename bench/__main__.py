"""`python -m bench [NAME ...] [--quick] [--list]`: run the benchmarks in ``bench/bench_*.py``.

Each module exposes ``main(quick: bool = False)``. NAME selects modules (``subjects`` runs
``bench_subjects``); without names all run, in alphabetical order. ``--quick`` uses the small demo
data set and short load runs (a smoke run, not a measurement). A failing benchmark is reported and
the others still run; the exit code is non-zero if any failed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(HERE)])
        if m.name.startswith("bench_")
    )


def ensure_tools() -> None:
    """Install the load tool (wrk) when missing; fall back to the Python load generator otherwise."""
    if shutil.which("wrk"):
        return
    script = HERE.parent / "scripts" / "bench-deps.sh"
    if subprocess.run(["bash", str(script)], check=False).returncode != 0 or not shutil.which("wrk"):
        print("  · 未能安装 wrk，改用 Python 负载生成器（数值偏低，比值仍可比较）", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="small data set and short runs (smoke run)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    available = discover()
    if args.list:
        print("\n".join(available))
        return 0
    unknown = [n for n in args.names if n.removeprefix("bench_") not in available]
    if unknown:
        parser.error(f"未知的基准：{', '.join(unknown)}（可用：{', '.join(available)}）")
    selected = [n.removeprefix("bench_") for n in args.names] or available
    if args.quick:
        os.environ.setdefault("BENCH_DURATION", "3")
    sys.path.insert(0, str(HERE.parent))
    ensure_tools()
    failed = []
    for name in selected:
        print(f"== bench {name}{' (quick)' if args.quick else ''} ==", flush=True)
        t0 = time.monotonic()
        try:
            module = importlib.import_module(f"bench.bench_{name}")
            module.main(quick=args.quick)
        except Exception:  # noqa: BLE001 - report and go on with the other benchmarks
            traceback.print_exc()
            failed.append(name)
        print(f"== {name}: {time.monotonic() - t0:.0f}s ==", flush=True)
    if failed:
        print(f"失败的基准：{', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
