/* Office dashboard: turns the neutral chart spec of each registered panel (JSON in the
   data-chart attribute of its [data-panel] element) into ECharts options. No inline scripts (CSP). */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var palette = ["#b3261e", "#0b57d0", "#146c2e", "#e37400", "#6f42c1", "#00838f", "#5f6368", "#c2185b",
                 "#3949ab", "#7cb342", "#8d6e63", "#1d1d1f"];

  /* Category labels never overlap: each gets the width of its own slot and wraps inside it
     (Chinese breaks between characters); where a slot is narrower than two characters the labels
     stand upright instead, one slot apart. */
  function xLabels(el, count) {
    var slot = Math.floor((el.clientWidth - 80) / Math.max(1, count)) - 6;
    if (slot >= 26) { return { interval: 0, width: slot, overflow: "break", lineHeight: 18 }; }
    return { interval: 0, rotate: 90, width: 110, overflow: "truncate" };
  }

  function option(el, spec) {
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
    base.xAxis = { type: "category", data: spec.categories, axisLabel: xLabels(el, spec.categories.length) };
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
    // SVG: the labels are elements a person's screen reader and the layout tests can see.
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(el, spec));
    charts.push({ chart: chart, el: el, spec: spec });
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.chart.resize(); c.chart.setOption(option(c.el, c.spec)); });
  });
  document.documentElement.setAttribute("data-charts-ready", String(charts.length));
})();
