"""Grading benchmark (issue 8): bulk `jointcredit grade` over the demo data set (1M subjects with
`large`), reported as subjects/s; then one new penalty and the incremental regrade it triggers
through the outbox feed, asserting the NUMBER of subjects touched (the subject and its related
persons), not the time.

Standalone: ``.venv/bin/python -m bench.bench_grading [--quick]``.
"""

from __future__ import annotations

import re
import sys

from bench import harness as h

PENALTY_SCRIPT = """
import random
from datetime import date
from jointcredit.accounts.models import User, Department
from jointcredit.records import samples, services
from jointcredit.subjects.models import Subject
s = Subject.objects.get(pk={sid})
clerk = User.objects.get(username="scjgj_clerk")
row = samples.penalty_row(random.Random({sid}), Department.objects.get(code="scjgj"),
                          decided=date(2026, 11, 2), n={sid}, CF_XDR_MC=s.name,
                          CF_XDR_SHXYM=s.identifier, CF_CFLB="罚款", CF_NR_FK="3")
record, _ = services.record_save(actor=clerk, record_type="penalty", data=row)
print("penalty", record.pk)
"""


def _number(pattern: str, text: str) -> float:
    m = re.search(pattern, text)
    if not m:
        raise RuntimeError(f"输出中没有找到 {pattern!r}：\n{text}")
    return float(m.group(1))


def main(quick: bool = False) -> None:
    db = h.ensure_dataset(h.dataset_size(quick))
    env = h.django_env(db)
    subjects = h.sql(db, "SELECT count(*) FROM subjects_subject WHERE merged_into_id IS NULL")[0][0]
    h.note(f"{subjects:,} 个主体；清空既有等级后全量评级（首次评级：写入全部等级和历史）")
    h.sql(db, "TRUNCATE grading_subjectgrade, grading_gradehistory")
    out = h.manage(["grade"], env=env)
    h.note(out.strip().splitlines()[-2])
    h.report("grading.bulk.first_run", _number(r"subjects_per_second=([\d.]+)", out), "subjects/s")
    out = h.manage(["grade"], env=env)
    h.report("grading.bulk.steady_run", _number(r"subjects_per_second=([\d.]+)", out), "subjects/s")

    # Incremental: a company with the most related persons gets one new penalty.
    sid, n_linked = h.sql(
        db,
        """
        SELECT r.subject_id, count(DISTINCT r.person_id) FROM subjects_relatedperson r
        JOIN subjects_subject s ON s.id = r.subject_id AND s.kind = 'legal'
        GROUP BY r.subject_id ORDER BY 2 DESC, 1 LIMIT 1""",
    )[0]
    linked = h.sql(
        db,
        """
        SELECT count(*) FROM (
          SELECT person_id AS x FROM subjects_relatedperson WHERE subject_id = %s
          UNION SELECT subject_id FROM subjects_relatedperson WHERE person_id = %s
          UNION SELECT %s) t""",
        [sid, sid, sid],
    )[0][0]
    sequence = "from jointcredit.exchange.sequencer import sequence_all; sequence_all()"
    h.manage(["shell", "-c", sequence], env=env)  # positions for events still unsequenced
    h.sql(
        db,
        """INSERT INTO grading_feedcursor (name, position, updated_at)
                 SELECT 'grading', coalesce(max(position), 0), now() FROM exchange_outboxevent
                 ON CONFLICT (name) DO UPDATE SET position = excluded.position""",
    )
    h.manage(["shell", "-c", PENALTY_SCRIPT.format(sid=sid)], env=env)
    h.manage(["shell", "-c", sequence], env=env)
    out = h.manage(["grade", "--feed"], env=env)
    touched = int(_number(r"'subjects': (\d+)", out))
    h.report("grading.incremental.touched", touched, "subjects")
    assert touched == linked, f"增量重算应只涉及该主体及其关联人（{linked} 个），实际 {touched} 个"
    h.note(f"新处罚 → 重算主体 {sid} 及其 {n_linked} 名关联人：共 {touched} 个（断言通过）")
    history = h.sql(
        db,
        "SELECT grade, score, trigger FROM grading_gradehistory WHERE subject_id = %s "
        "ORDER BY id DESC LIMIT 1",
        [sid],
    )
    h.note(f"主体 {sid} 最新等级记录：{history}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
