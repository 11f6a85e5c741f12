from django.db import connection
from ninja import Router, Schema, Status

router = Router(tags=["系统"])


class HealthOut(Schema):
    status: str
    database: str


@router.get("/health", auth=None, response={200: HealthOut, 503: HealthOut}, summary="健康检查")
def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any DB failure means "not healthy"
        return Status(503, {"status": "degraded", "database": "error"})
    return {"status": "ok", "database": "ok"}
