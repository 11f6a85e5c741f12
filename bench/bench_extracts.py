"""Daily public extract (ADR 0031): rows/s and peak RSS of ``jointcredit extract --date D --force``.

Builds the extract of today over the demo data set (large: 1M subjects, its list entries and two
years of 双公示 records; ``--quick``: the small one) in a fresh process, into a temporary
directory, twice, and reports the better run. Rows are every dataset's rows (the manifest's count);
each row is written twice (CSV and JSON Lines). Peak RSS is the child process's maximum resident
set (``getrusage(RUSAGE_CHILDREN)``), which must not grow with the data set: the rows are streamed.
No reference figure: nothing else in the project writes these files.

    .venv/bin/python -m bench.bench_extracts [--quick]
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench import harness as h


def main(quick: bool = False) -> None:
    size = h.dataset_size(quick)
    db_url = h.ensure_dataset(size)
    day = h.sql(db_url, "SELECT current_date::text")[0][0]
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        env = h.django_env(db_url, JOINTCREDIT_EXTRACT_DIR=tmp)
        for _ in range(1 if quick else 2):
            t0 = time.perf_counter()
            h.manage(["extract", "--date", day, "--force"], env=env)
            runs.append(time.perf_counter() - t0)
        manifest = json.loads((Path(tmp) / day / "manifest.json").read_text(encoding="utf-8"))
    rows = sum(f["rows"] for f in manifest["files"] if f["format"] == "csv")
    size_mb = sum(f["bytes"] for f in manifest["files"]) / 1048576
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for f in manifest["files"]:
        if f["format"] == "csv":
            h.note(f"{f['dataset']}: {f['rows']} 行")
    h.note(f"共 {rows} 行，文件合计 {size_mb:.1f} MB，用时 {', '.join(f'{r:.1f}s' for r in runs)}")
    best = min(runs)
    h.report("extracts.rows_per_s", rows / best if best else 0.0, "rows/s")
    h.report("extracts.seconds", best, "s")
    h.report("extracts.peak_rss", peak_mb, "MB")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
