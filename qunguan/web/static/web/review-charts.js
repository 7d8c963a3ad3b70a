/* 群管 — the review dashboard's charts, drawn with the locally served Apache ECharts.
   The figures come from the page's <script type="application/json" id="chart-data">. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    // Unit and group names are long (作曲2024级1班家校联系群): the grid makes room for them, and a
    // name longer than the room is cut with an ellipsis (the tooltip shows it whole).
    var NAMES_GRID = { left: 8, right: 24, top: 16, bottom: 24, containLabel: true };
    var NAME_LABEL = { width: 150, overflow: "truncate" };
    var options = {
      byCategory: {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: data.byCategory }]
      },
      byStatus: {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: "60%", data: data.byStatus }]
      },
      overTime: {
        tooltip: { trigger: "axis" },
        legend: { type: "scroll" },
        xAxis: { type: "category", data: data.days },
        yAxis: { type: "value", minInterval: 1 },
        series: data.overTime.map(function (s) {
          return { name: s.name, type: "bar", stack: "all", data: s.data };
        })
      },
      byUnit: {
        tooltip: { trigger: "axis" },
        grid: NAMES_GRID,
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.byUnit.names, inverse: true, axisLabel: NAME_LABEL },
        series: [{ type: "bar", data: data.byUnit.values }]
      },
      topGroups: {
        tooltip: { trigger: "axis" },
        grid: NAMES_GRID,
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.topGroups.names, inverse: true, axisLabel: NAME_LABEL },
        series: [{ type: "bar", data: data.topGroups.values }]
      }
    };
    var charts = [];
    var boxes = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var option = options[box.getAttribute("data-chart")];
      if (!option) { continue; }
      box.style.height = "320px";  // set through the DOM: the CSP allows no inline style attribute
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(option);
      box.setAttribute("data-drawn", "true");
      charts.push(chart);
    }
    window.addEventListener("resize", function () {
      for (var j = 0; j < charts.length; j++) { charts[j].resize(); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
