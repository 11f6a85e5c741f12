"""Tabular imports: reading files within limits (``tabular``) and the pipeline's shared mechanics
(``pipeline``: modes, error collection, phases). Sits just below ``exchange`` and imports only
``common`` (ADR 0029); subject resolution is ``subjects.services.subjects_resolve``, bulk events
``exchange.outbox.events_emit_frame``, COPY and id reservation ``common.bulk``."""
