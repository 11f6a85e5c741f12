from django.db import connection
from django.http import HttpResponse
from ninja import Router, Schema, Status
from ninja.renderers import JSONRenderer

router = Router(tags=["系统"])

# The renderer of both APIs (config.api passes it to NinjaAPI), here so that an operation can render a
# body itself without importing the API it is mounted on (that import was a config ↔ app cycle).
RENDERER = JSONRenderer()


def prevalidated_response(request, body, *, status: int = 200) -> HttpResponse:
    """``NinjaAPI.create_response``: a body already built with exactly the response schema's fields
    rendered as is, without pydantic validating it again (hot paths, ADR 0011)."""
    return HttpResponse(
        RENDERER.render(request, body, response_status=status),
        status=status,
        content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}",
    )


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
