"""Jobs the worker tests enqueue: each appends one line to a file, so the test counts executions
(O_APPEND writes of one short line do not interleave between processes)."""

import os
import time

from django_tasks import task


def _append(path: str, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


@task(queue_name="default")
def job_note(*, path: str, n: int) -> int:
    time.sleep(0.05)  # long enough for the other workers to take their share
    _append(path, f"job {n} {os.getpid()}")
    return n


@task(queue_name="default")
def schedule_note(*, slot: str) -> str:
    _append(os.environ["JOINTCREDIT_TEST_SCHEDULE_FILE"], f"schedule {slot} {os.getpid()}")
    return slot
