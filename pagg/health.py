"""Health for operators: is the process alive, and can it serve.

``/health/`` answers as long as the process runs (a liveness probe restarts it when not).
``/health/ready/`` checks what serving needs, the database and Redis, and reports how
long the oldest job has waited in the outbox for the broker: readiness fails (503) when
the database or Redis cannot be reached, so a load balancer stops sending work; a stuck
outbox is reported (``"ok": false``) without taking the web node out of service, since
the web node can still serve and the fix lies with the workers or the broker.
Both answer JSON, without a session, and are never cached.
"""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from notifications.models import Job

# A job waiting longer than this for the broker means the beat or the broker is down.
OUTBOX_MAX_WAIT = 15 * 60


@never_cache
@require_safe
def alive(request):
    return JsonResponse({"status": "ok"})


def _database():
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure to reach it is the answer, not a crash
        return {"ok": False, "error": error.__class__.__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _redis():
    if not settings.REDIS_URL:
        return {"ok": True, "used": False}  # the embedded default runs without Redis
    import redis

    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except redis.RedisError as error:
        return {"ok": False, "used": True, "error": error.__class__.__name__}
    return {"ok": True, "used": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _outbox():
    try:
        waiting = Job.objects.filter(state=Job.State.PENDING)
        oldest = waiting.order_by("created").values_list("created", flat=True).first()
        count = waiting.count()
    except Exception as error:  # the database check reports the cause
        return {"ok": False, "error": error.__class__.__name__}
    age = (timezone.now() - oldest).total_seconds() if oldest else 0
    return {"ok": age <= OUTBOX_MAX_WAIT, "waiting": count, "oldest_waiting_seconds": int(age)}


@never_cache
@require_safe
def ready(request):
    checks = {"database": _database(), "redis": _redis()}
    checks["outbox"] = _outbox() if checks["database"]["ok"] else {"ok": False}
    serving = checks["database"]["ok"] and checks["redis"]["ok"]
    return JsonResponse(
        {"status": "ok" if serving else "unavailable", "checks": checks},
        status=200 if serving else 503,
    )
