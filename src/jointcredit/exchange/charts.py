"""A tiny server-side SVG bar chart (no JS: the CSP forbids inline scripts). The workbench's chart
infrastructure may replace it later; the table next to it carries the same numbers."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import mark_safe


def bar_chart_svg(
    *,
    labels: list[str],
    series: list[tuple[str, str, list[int]]],
    title: str,
    width: int = 640,
    height: int = 220,
):
    if not labels:
        return mark_safe(f'<p class="muted">{escape(title)}：暂无数据。</p>')  # noqa: S308 - escaped
    top = max(1, *(v for _, _, values in series for v in values))
    pad_left, pad_bottom, plot_h = 36, 28, height - 48
    group_w = (width - pad_left - 8) / len(labels)
    bar_w = max(2.0, group_w / (len(series) + 1))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="{pad_left}" y="14" font-size="12">{escape(title)}（最大 {top}）</text>',
    ]
    for i, label in enumerate(labels):
        x0 = pad_left + i * group_w
        for j, (name, color, values) in enumerate(series):
            h = plot_h * values[i] / top
            y = height - pad_bottom - h
            parts.append(
                f'<rect x="{x0 + j * bar_w:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{color}"><title>{escape(label)} {escape(name)}：{values[i]}</title></rect>'
            )
        parts.append(f'<text x="{x0:.1f}" y="{height - 10}" font-size="10">{escape(label)}</text>')
    for j, (name, color, _) in enumerate(series):
        parts.append(
            f'<rect x="{width - 120 + j * 56}" y="4" width="10" height="10" fill="{color}"/>'
            f'<text x="{width - 106 + j * 56}" y="13" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node above is escaped
