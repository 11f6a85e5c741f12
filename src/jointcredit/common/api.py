from django.db import connection
from ninja import Router, Schema, Status

from .replicas import replica_states

router = Router(tags=["系统"])


class ReplicaHealthOut(Schema):
    name: str
    state: str
    label: str
    in_rotation: bool
    lag_seconds: float | None


class HealthOut(Schema):
    status: str
    database: str
    replicas: list[ReplicaHealthOut]


@router.get(
    "/health",
    auth=None,
    response={200: HealthOut, 503: HealthOut},
    summary="健康检查",
    description=(
        "status/database 为主库状态（不可用时返回 503）。replicas 列出每个只读副本（ADR 0048）："
        "state 为 ok（参与读分流）、lagging（复制延迟超过 DATABASE_REPLICA_MAX_LAG）、down（无法连接）或 "
        "not_replica（未处于恢复状态）；lag_seconds 为复制延迟（秒）。副本不可用时读请求由主库回答，"
        "不影响 status。只给出副本的别名，不含地址和凭据。"
    ),
)
def health(request):
    replicas = [
        {
            "name": s.alias,
            "state": s.state,
            "label": s.label,
            "in_rotation": s.in_rotation,
            "lag_seconds": None if s.lag_seconds is None else round(s.lag_seconds, 3),
        }
        for s in replica_states()
    ]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any DB failure means "not healthy"
        return Status(503, {"status": "degraded", "database": "error", "replicas": replicas})
    return {"status": "ok", "database": "ok", "replicas": replicas}
