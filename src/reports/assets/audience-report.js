/* Draws the audience series of /reports/audience from the page's JSON block (Chart.js, served locally). */
(function () {
  'use strict';
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var labels = report.series.map(function (p) {
    return p.periodStart === p.periodEnd ? p.periodStart : p.periodStart + ' → ' + p.periodEnd;
  });
  var dataset = function (label, field, color, axis) {
    return {
      label: label,
      data: report.series.map(function (p) {
        return p[field];
      }),
      borderColor: color,
      backgroundColor: color,
      yAxisID: axis,
      tension: 0.2,
    };
  };
  new Chart(document.getElementById('audience-chart'), {
    type: 'line',
    data: {
      labels: labels,
      datasets: [
        dataset('Impressions', 'impressions', '#8b8bd9', 'impressions'),
        dataset('Vues', 'views', '#000091', 'y'),
        dataset('Clics « postuler »', 'applyClicks', '#e1000f', 'y'),
        dataset('Visiteurs uniques', 'uniqueVisitors', '#18753c', 'y'),
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, position: 'left', title: { display: true, text: 'Vues, clics, visiteurs' } },
        impressions: {
          beginAtZero: true,
          ticks: { precision: 0 },
          position: 'right',
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'Impressions' },
        },
      },
    },
  });
  document.body.setAttribute('data-chart-ready', 'true');
})();
