// Charts of the public finance pages, drawn with the vendored Chart.js (no CDN).
(function () {
  const script = document.currentScript;
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const locale = document.documentElement.lang || "es-VE";
  const money = new Intl.NumberFormat(locale, {maximumFractionDigits: 0});
  const pct = new Intl.NumberFormat(locale, {style: "percent", maximumFractionDigits: 1});
  const totals = document.getElementById("chart-totals");
  if (totals) {
    new Chart(totals, {
      type: "bar",
      data: {labels: data.labels, datasets: [
        {label: script.dataset.revenue, data: data.revenue, backgroundColor: "#2e75b6"},
        {label: script.dataset.expenditure, data: data.expenditure, backgroundColor: "#c55a11"},
      ]},
      options: {maintainAspectRatio: false, scales: {y: {ticks: {callback: (v) => money.format(v)}}}},
    });
  }
  const ratios = document.getElementById("chart-ratios");
  if (ratios) {
    new Chart(ratios, {
      type: "line",
      data: {labels: data.labels, datasets: [
        {label: script.dataset.autonomy, data: data.series.fiscal_autonomy, borderColor: "#1e7b34"},
        {label: script.dataset.dependence, data: data.series.transfer_dependence, borderColor: "#b3261e"},
      ]},
      options: {maintainAspectRatio: false, scales: {y: {min: 0, max: 1, ticks: {callback: (v) => pct.format(v)}}}},
    });
  }
  const ranking = document.getElementById("chart-ranking");
  if (ranking) {
    const ratio = ranking.dataset.unit === "ratio";
    new Chart(ranking, {
      type: "bar",
      data: {labels: data.labels, datasets: [{label: ranking.dataset.label, data: data.values, backgroundColor: "#2e75b6"}]},
      options: {indexAxis: "y", maintainAspectRatio: false,
        scales: {x: {ticks: {callback: (v) => ratio ? pct.format(v) : money.format(v)}}}},
    });
  }
})();
