"""Demo 公共信用信息目录 (DESIGN.md §7): the default district catalog and 应用清单, collection tasks
since January, and sample submissions through the real pipeline — most periods on time, some
late, some missing (the dashboard and reminders have something to show), a rejected file."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from jointcredit.accounts.models import Role, User
from jointcredit.subjects import generators as gen
from jointcredit.subjects.models import Subject, SubjectKind

from . import defaults
from .models import CollectionTask, Submission
from .services import SubmissionRejected, submission_create, tasks_generate

PER_SUBMISSION = {"small": 12, "large": 200, "xlarge": 400}


def _rows(code: str, rng, companies, persons, on: date, n: int, serial: int) -> list[dict]:
    rows = []
    for i in range(n):
        kind, ident, name = rng.choice(
            persons if code in ("volunteer_service", "blood_donation") else companies
        )
        base = (
            {"ZTMC": name, "ZTLB": "自然人", "ZJHM": ident}
            if kind == SubjectKind.NATURAL
            else {"ZTMC": name, "TYSHXYDM": ident}
        )
        day = (on - timedelta(days=rng.randrange(0, 25))).isoformat()
        extra = _fields_for(code, rng, on, day, serial, i)
        if extra is None:
            return []
        rows.append(base | extra())
    return rows


def _fields_for(code: str, rng, on: date, day: str, serial: int, i: int):
    return {
        "tax_credit_rating": lambda: {
            "XXRQ": f"{on.year}-04-15" if on.month >= 4 else f"{on.year - 1}-04-15",
            "PJND": str(on.year - 1),
            "XYDJ": rng.choice("AABBBMMCD"),
        },
        "tax_arrears": lambda: {
            "XXRQ": day,
            "QSSZ": rng.choice(["增值税", "企业所得税", "城镇土地使用税"]),
            "QSJE": f"{rng.randrange(3000, 900000)}.00",
            "QSRQ": day,
        },
        "social_insurance_arrears": lambda: {
            "XXRQ": day,
            "XXBH": f"历人社欠〔{on.year}〕{serial}-{i}号",
            "QJXZ": rng.choice(["养老保险", "医疗保险", "失业保险"]),
            "QJYS": str(rng.randrange(1, 9)),
            "QJJE": f"{rng.randrange(2000, 80000)}.50",
        },
        "utility_arrears": lambda: {
            "XXRQ": day,
            "FYLB": rng.choice(["水费", "电费", "燃气费"]),
            "QFJE": str(rng.randrange(800, 30000)),
            "QFYS": str(rng.randrange(3, 13)),
            "GSDW": rng.choice(["济南水务集团", "国网济南供电公司", "济南港华燃气"]),
        },
        "contract_performance": lambda: {
            "XXRQ": day,
            "HTMC": "办公设备采购合同",
            "HTJE": str(rng.randrange(5, 500)),
            "LYQK": rng.choice(["正常履约", "正常履约", "逾期履约", "违约"]),
        },
        "env_penalty": lambda: {
            "XXRQ": day,
            "CFWH": f"济环历罚〔{on.year}〕{serial}{i:03d}号",
            "WFXW": "超标排放大气污染物",
            "FKJE": str(rng.randrange(2, 40)),
            "SFAXCF": "否",
        },
        "env_credit_rating": lambda: {
            "XXRQ": f"{on.year}-06-30",
            "PJND": str(on.year - 1),
            "PJDJ": rng.choice(["环保诚信", "环保良好", "环保良好", "环保警示"]),
        },
        "honours": lambda: {
            "XXRQ": day,
            "RYMC": rng.choice(["历下区文明单位", "济南市守合同重信用企业"]),
            "SYJG": "中共济南市历下区委",
            "RYJB": rng.choice(["区级", "市级"]),
        },
        "volunteer_service": lambda: {
            "XXRQ": day,
            "FWXM": rng.choice(["社区文明交通劝导", "泉城义工助老服务"]),
            "FWSC": str(rng.randrange(4, 120)),
            "XXJB": rng.choice(["一星", "二星", "三星"]),
        },
        "blood_donation": lambda: {
            "XXRQ": day,
            "XXL": rng.choice(["200", "300", "400"]),
            "XXDD": "泉城广场献血屋",
        },
        "fire_safety_hazard": lambda: {
            "XXRQ": day,
            "YHMS": "疏散通道堵塞、消防设施未保持完好有效",
            "ZGQX": (on + timedelta(days=30)).isoformat(),
            "ZGZT": rng.choice(["整改中", "已整改"]),
        },
        "construction_credit": lambda: {
            "XXRQ": day,
            "BLXW": "未按规定办理施工许可擅自施工",
            "XWDJ": rng.choice(["一般", "严重"]),
        },
        "charity_org_rating": lambda: {
            "XXRQ": f"{on.year}-03-31",
            "PGND": str(on.year - 1),
            "PGDJ": rng.choice(["5A", "4A", "3A"]),
        },
        "education_training_complaint": lambda: {"XXRQ": day, "SXQX": "收取培训费后停止经营未退费"},
    }.get(code)


def build(ctx) -> None:
    rng = ctx.rng
    today = ctx.today
    items = defaults.install(departments=ctx.departments, collect_from=today.replace(month=1, day=1))
    tasks_generate(today=today, items=items)
    subjects = list(
        Subject.objects.filter(pk__in=ctx.companies[:3000] + ctx.persons[:500]).values_list(
            "kind", "identifier", "name"
        )
    )
    companies = [s for s in subjects if s[0] == SubjectKind.LEGAL]
    persons = [s for s in subjects if s[0] == SubjectKind.NATURAL]
    if not companies or not persons:
        return
    n = PER_SUBMISSION.get(ctx.size, 12)
    clerks = {
        u.department_id: u
        for u in User.objects.filter(is_active=True).select_related("department")
        if u.has_role(Role.CLERK)
    }
    made = 0
    for item in items:
        actor = clerks.get(item.department_id)
        if actor is None:
            continue
        tasks = list(CollectionTask.objects.filter(item=item, period_end__lt=today).order_by("period_end"))
        for serial, task in enumerate(tasks, start=1):
            fate = rng.random()
            if fate < 0.12 and task is not tasks[0]:
                continue  # missing: the dashboard and the reminder sweep show it
            rows = _rows(
                item.code,
                rng,
                companies,
                persons,
                task.period_end,
                rng.randrange(max(2, n // 2), n + 1),
                serial,
            )
            try:
                sub = submission_create(actor=actor, item=item, rows=rows, period=task.period, source="api")
            except SubmissionRejected:
                continue
            # when it came in: on time mostly, late sometimes
            if task.due_date:
                late = fate > 0.85
                when = (
                    task.due_date + timedelta(days=rng.randrange(1, 20))
                    if late
                    else task.period_end + timedelta(days=rng.randrange(1, 8))
                )
                stamp = timezone.make_aware(
                    timezone.datetime.combine(min(when, today), timezone.datetime.min.time())
                    + timedelta(hours=10)
                )
                Submission.objects.filter(pk=sub.pk).update(submitted_at=stamp)
                CollectionTask.objects.filter(pk=task.pk).update(first_submitted_at=stamp)
            made += 1
        if item.frequency == "on_occurrence":
            rows = _occurrence_rows(item.code, rng, companies, persons, today, n)
            if rows:
                submission_create(actor=actor, item=item, rows=rows, source="api")
                made += 1
    # one file with mistakes, rejected and reported like a 双公示 file
    swj = ctx.departments.get("swj")
    if swj is not None and swj.pk in clerks:
        from .models import CatalogItem

        bad = [
            {
                "ZTMC": "济南某某商贸有限公司",
                "TYSHXYDM": gen.uscc(rng)[:17] + "0",
                "XXRQ": "2026-02-30",
                "PJND": "2025",
                "XYDJ": "E",
            }
        ]
        try:
            submission_create(
                actor=clerks[swj.pk],
                item=CatalogItem.objects.get(code="tax_credit_rating"),
                rows=bad,
                source="api",
            )
        except SubmissionRejected:
            pass
    ctx.log(f"  信用信息目录 {len(items)} 项，归集批次 {made} 个")


def _occurrence_rows(code, rng, companies, persons, today, n) -> list[dict]:
    out = []
    for i in range(max(3, n // 3)):
        day = (today - timedelta(days=rng.randrange(5, 300))).isoformat()
        if code == "court_dishonest_debtor":
            kind, ident, name = rng.choice(persons + companies)
            base = (
                {"ZTMC": name, "ZTLB": "自然人", "ZJHM": ident}
                if kind == SubjectKind.NATURAL
                else {"ZTMC": name, "TYSHXYDM": ident}
            )
            out.append(
                base
                | {
                    "XXRQ": day,
                    "AH": f"（{day[:4]}）鲁0102执{rng.randrange(100, 9999)}号",
                    "ZXFY": "济南市历下区人民法院",
                    "SXQX": "有履行能力而拒不履行生效法律文书确定义务",
                    "LXQK": rng.choice(["全部未履行", "部分履行"]),
                }
            )
            continue
        kind, ident, name = rng.choice(companies)
        base = {"ZTMC": name, "TYSHXYDM": ident, "XXRQ": day}
        if code == "wage_arrears":
            out.append(
                base
                | {
                    "RDWH": f"历人社欠薪认〔{day[:4]}〕{i + 1}号",
                    "QXRS": str(rng.randrange(3, 60)),
                    "QXJE": str(rng.randrange(50000, 900000)),
                    "LRYY": "拖欠农民工工资数额大且拒不支付",
                }
            )
        elif code == "work_safety_accident":
            out.append(
                base
                | {"SGMC": "机械伤害事故", "SGDJ": "一般", "SWRS": "1", "ZJJJSS": str(rng.randrange(50, 300))}
            )
        elif code == "medical_insurance_fraud":
            out.append(
                base | {"CLWH": f"历医保处〔{day[:4]}〕{i + 1}号", "PQJE": str(rng.randrange(5000, 200000))}
            )
    return out
