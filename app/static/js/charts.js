// Trend charts on /doelen: each canvas[data-chart] draws the JSON in the <script> of the same
// id. Without JavaScript (or Chart.js) the table beside it says the same.
(function () {
  if (typeof Chart === "undefined") return;
  var style = getComputedStyle(document.body);
  var accent = style.getPropertyValue("--kb-accent").trim() || "#1f4e8c";
  var muted = style.getPropertyValue("--kb-muted").trim() || "#586c88";
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var scale = data.percent ? 100 : 1;
    var values = data.values.map(function (v) { return v * scale; });
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Stand", data: values, borderColor: accent, backgroundColor: accent, pointRadius: 0, tension: 0.2 },
          { label: "Doel", data: data.labels.map(function () { return data.target * scale; }),
            borderColor: muted, borderDash: [6, 4], pointRadius: 0 }
        ]
      },
      options: {
        animation: false,
        plugins: { legend: { display: true, position: "bottom" } },
        scales: {
          x: { ticks: { maxTicksLimit: 6 } },
          y: { beginAtZero: true, suggestedMax: data.target * scale, ticks: { callback: function (v) { return data.percent ? v + "%" : v; } } }
        }
      }
    });
  });
})();
