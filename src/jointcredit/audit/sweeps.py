"""`jointcredit sweep` hook: sign the audit chain's head into the checkpoint file.

Cheap on every run: only the rows since the last checkpoint are verified before the new head is
signed, and nothing is written when the head has not moved. A chain that does not verify is not
signed; it is reported here and logged as critical (the full check is ``jointcredit audit verify``).
"""

from __future__ import annotations

from .services import audit_checkpoint_write


def run(*, now, stdout=None) -> dict[str, int]:
    written, result = audit_checkpoint_write(now=now)
    if not result.ok:
        if stdout is not None:
            stdout.write(f"审计链在序号 {result.broken_seq} 处断裂：{result.reason}")
        return {"审计检查点": 0, "审计链断裂": 1}
    return {"审计检查点": 1 if written else 0}
