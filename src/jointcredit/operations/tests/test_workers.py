"""Many workers (issue #21 §3, ADR 0050): any number of `jointcredit worker` processes share the
queue without running a job twice, and a schedule's slot runs once however many workers tick."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from jointcredit.common import clock
from jointcredit.operations.models import Schedule
from jointcredit.operations.services import schedules_tick
from jointcredit.testing import postgres_only, race

from .jobs import job_note

pytestmark = pytest.mark.django_db
BIN = Path(sys.executable).parent
SCHEDULE_TASK = "jointcredit.operations.tests.jobs.schedule_note"


def _due(name: str = "test_hourly", every: int = 3600) -> Schedule:
    return Schedule.objects.create(
        name=name,
        label="测试任务",
        task_path=SCHEDULE_TASK,
        every=every,
        next_due_at=clock.now() - timedelta(seconds=5),
    )


def test_a_due_slot_is_enqueued_once_and_the_next_slot_follows():
    Schedule.objects.update(is_active=False)
    schedule = _due()
    slot = schedule.next_due_at
    assert schedules_tick() == ["test_hourly"]
    assert schedules_tick() == []  # the slot is taken
    schedule.refresh_from_db()
    assert schedule.last_slot_at == slot and schedule.next_due_at == slot + timedelta(hours=1)
    queued = DBTaskResult.objects.filter(task_path=SCHEDULE_TASK)
    assert queued.count() == 1 and queued.get().args_kwargs["kwargs"] == {"slot": slot.isoformat()}


def test_missed_slots_run_once_not_once_each():
    Schedule.objects.update(is_active=False)
    schedule = _due(every=60)
    Schedule.objects.filter(pk=schedule.pk).update(next_due_at=clock.now() - timedelta(minutes=30, seconds=1))
    assert schedules_tick() == ["test_hourly"]
    assert schedules_tick() == []
    schedule.refresh_from_db()
    assert clock.now() < schedule.next_due_at <= clock.now() + timedelta(seconds=60)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_ticks_claim_a_slot_once():
    Schedule.objects.update(is_active=False)
    _due()
    results = race(lambda i: schedules_tick(), n=4)
    assert sorted(map(len, results)) == [0, 0, 0, 1], results
    assert DBTaskResult.objects.filter(task_path=SCHEDULE_TASK).count() == 1


def _env(**extra) -> dict:
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "JOINTCREDIT_TESTING": "1",
        "JOINTCREDIT_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "jointcredit.config.settings",
        **extra,
    }


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_three_workers_run_each_job_once_and_the_schedule_once(tmp_path):
    jobs_file, schedule_file = tmp_path / "jobs.log", tmp_path / "schedule.log"
    Schedule.objects.update(is_active=False)  # only the test's schedule is due
    n = 60
    for i in range(n):
        job_note.enqueue(path=str(jobs_file), n=i)
    schedule = _due()
    env = _env(JOINTCREDIT_TEST_SCHEDULE_FILE=str(schedule_file))
    workers = [
        subprocess.Popen(
            [
                str(BIN / "jointcredit"),
                "worker",
                "--no-reload",
                "--interval",
                "0.05",
                "--tick",
                "0.1",
                "-v",
                "0",
            ],
            env=env,
        )
        for _ in range(3)
    ]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = DBTaskResult.objects.filter(status="SUCCESSFUL").count()
            if done >= n + 1:
                break
            time.sleep(0.2)
        time.sleep(1.0)  # every worker ticks the schedules several more times
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(30)
            except subprocess.TimeoutExpired:
                w.kill()
    lines = jobs_file.read_text().splitlines()
    counts = Counter(int(line.split()[1]) for line in lines)
    assert sorted(counts) == list(range(n)) and set(counts.values()) == {1}, "each job exactly once"
    pids = {line.split()[2] for line in lines}
    assert len(pids) >= 2, "the workers shared the jobs"
    runs = schedule_file.read_text().splitlines()
    assert len(runs) == 1 and runs[0].split()[1] == schedule.next_due_at.isoformat()
    assert DBTaskResult.objects.exclude(status="SUCCESSFUL").count() == 0
