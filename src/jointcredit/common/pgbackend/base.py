"""PostgreSQL backend with a health check that costs no round trip (docs/adr/0011).

Django's ``CONN_HEALTH_CHECKS`` runs ``SELECT 1`` before the first query of every request on a
persistent connection: on the API's hot paths that is one more database round trip per request
(~10% of the CPU of an indexed lookup, measured in docs/performance.md). The check exists to catch
connections the server has closed (restart, ``pg_terminate_backend``, idle timeouts): in every one of
those cases PostgreSQL sends a FATAL error and closes the socket, so the idle socket turns readable.
An idle, healthy connection in autocommit has nothing to read (no LISTEN is used), so a zero-timeout
poll of the socket answers the same question locally. Anything unexpected (readable socket, bad
status, a transaction in error) counts as unusable and Django reconnects, as with ``SELECT 1``.

A dead peer that never closed its side (cable cut) is not detected by either check before the query
itself fails; Django then closes the connection at the end of the request, as before.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None:
            return False
        try:
            pgconn = self.connection.pgconn
            if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status in (
                pq.TransactionStatus.UNKNOWN,
                pq.TransactionStatus.INERROR,
            ):
                return False
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except Exception:  # noqa: BLE001 - any doubt: reconnect
            return False
        # Data (a FATAL error) or EOF on an idle connection: the server has closed it.
        return not readable
