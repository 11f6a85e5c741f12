from django.urls import NoReverseMatch, reverse

from jointcredit.calendar.selectors import unconfigured_years_ahead
from jointcredit.common import clock
from jointcredit.common.workbench_registry import nav_groups


def staff(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or not request.path.startswith("/staff/"):
        return {}
    groups = []
    for label, items in nav_groups(user):
        links = []
        for item in items:
            try:
                links.append({"label": item.label, "url": reverse(item.url_name)})
            except NoReverseMatch:
                continue
        if links:
            groups.append({"label": label, "items": links})
    years = unconfigured_years_ahead(today=clock.today())
    banner = ""
    if years:
        banner = (
            f"{'、'.join(map(str, years))} 年节假日安排尚未配置：落在该年度的期限暂显示为“待配置节假日”。"
            "请信用办在“系统配置 → 节假日日历”中录入。"
        )
    return {"staff_nav_groups": groups, "calendar_banner": banner}
