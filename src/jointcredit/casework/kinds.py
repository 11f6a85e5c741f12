"""``CaseKind``: what the shared case machinery needs to know about one kind of case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CaseKind:
    """One kind of case (objection or repair application) as the shared code sees it.

    ``model`` is the app's django-fsm model (transitions named as the services call them),
    ``states`` its TextChoices. ``due_fields`` maps each open state to the deadline field that runs
    in it: a case is overdue when that date has passed (待配置节假日 = NULL is never overdue).
    """

    key: str  # "objection" | "repair": Evidence.owner_type, SyncReceipt.source_type, audit prefix
    model: type
    states: type
    open_states: tuple
    due_fields: dict  # state -> "accept_due" | "decide_due"
    noun: str  # 异议申请 / 信用修复申请 (404 messages)
    short: str  # 异议 / 申请 (“{short}当前状态为…”, “{short}已办结…”)
    namespace: str  # staff URL namespace and template folder: objections / repairs
    public_namespace: str  # portal URL namespace: objections_public / repairs_public
    var: str  # template variable of the case: o / r
    snapshot: Callable[[object], dict]
    duplicate: str  # 409 on a second open case: format(case_no=, state=)
    not_own: str  # 403 when a verified subject files on someone else's information
    not_own_page: str  # the portal's 404 for the same
    letters: dict = field(default_factory=dict)  # key -> (title, template, states)
    get_related: tuple = ("department", "subject", "decided_by")

    def label(self, state: str) -> str:
        return dict(self.states.choices).get(state, state)

    @property
    def audit_type(self) -> str:
        """``AuditEvent.object_type`` of the case rows (app_label.model)."""
        return self.model._meta.label_lower

    def due_of(self, case):
        name = self.due_fields.get(case.state)
        return getattr(case, name) if name else None


# The kinds installed apps registered from their AppConfig.ready (objections, repairs): the shared
# pages iterate them instead of importing the apps above this package.
_KINDS: dict[str, CaseKind] = {}


def register_case_kind(kind: CaseKind) -> None:
    _KINDS[kind.key] = kind


def case_kind(key: str) -> CaseKind:
    return _KINDS[key]


def case_kinds() -> list[CaseKind]:
    return list(_KINDS.values())
