"""Case handling shared by objections (异议处理) and credit repair (信用修复), DESIGN.md §2.

The two apps keep their own models, django-fsm state machines, migrations and domain rules; what
they share — evidence files, the working-day deadlines, locking and the 409 on an illegal step,
listing and overdue filters, the portal's identity check with the e-mail one-time code, the
result-sync receipts, letters, staff and public pages — is written once here and parametrised by a
``CaseKind`` (``objections/kind.py``, ``repairs/kind.py``). ADR 0012.
"""
