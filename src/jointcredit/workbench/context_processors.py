from django.urls import NoReverseMatch, reverse

from jointcredit.calendar.selectors import unconfigured_years_ahead
from jointcredit.common import clock
from jointcredit.common.workbench_registry import nav_items


def staff(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or not request.path.startswith("/staff/"):
        return {}
    nav = []
    for item in nav_items(user):
        try:
            nav.append({"label": item.label, "url": reverse(item.url_name)})
        except NoReverseMatch:
            continue
    years = unconfigured_years_ahead(today=clock.today())
    banner = ""
    if years:
        banner = (
            f"{'、'.join(map(str, years))} 年节假日安排尚未配置：落在该年度的期限暂显示为“待配置节假日”。"
            "请信用办在“系统配置 → 已配置年度/节假日调整”中录入。"
        )
    return {"staff_nav": nav, "calendar_banner": banner}
