/* Office dashboard: turns the neutral chart spec of each registered panel (JSON in the
   data-chart attribute of its [data-panel] element) into ECharts options. No inline scripts (CSP). */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var palette = ["#b3261e", "#0b57d0", "#146c2e", "#e37400", "#6f42c1", "#00838f", "#5f6368", "#c2185b",
                 "#3949ab", "#7cb342", "#8d6e63", "#1d1d1f"];

  function option(spec) {
    var unit = spec.unit || "";
    var base = { color: palette, tooltip: { trigger: spec.type === "pie" ? "item" : "axis" },
                 textStyle: { fontFamily: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" } };
    if (spec.type === "pie") {
      var s = spec.series[0] || { data: [] };
      base.legend = { bottom: 0, type: "scroll" };
      base.series = [{ name: s.name, type: "pie", radius: ["35%", "65%"],
        label: { formatter: "{b}\n{c}" + unit + "（{d}%）" },
        data: spec.categories.map(function (c, i) { return { name: c, value: s.data[i] || 0 }; }) }];
      return base;
    }
    var stacked = spec.type === "stacked_bar";
    base.legend = { top: 0, type: "scroll" };
    base.grid = { left: 48, right: 16, top: spec.series.length > 1 ? 36 : 16, bottom: 56, containLabel: true };
    base.xAxis = { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 6 ? 30 : 0 } };
    base.yAxis = { type: "value", name: unit, minInterval: 1 };
    base.series = spec.series.map(function (s) {
      return { name: s.name, type: spec.type === "line" ? "line" : "bar", stack: stacked ? "total" : undefined,
               data: s.data };
    });
    return base;
  }

  var charts = [];
  document.querySelectorAll("[data-panel]").forEach(function (el) {
    var raw = el.getAttribute("data-chart");
    if (!raw) { return; }
    var spec = JSON.parse(raw);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(spec));
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.documentElement.setAttribute("data-charts-ready", String(charts.length));
})();
