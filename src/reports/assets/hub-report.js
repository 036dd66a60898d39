/* Draws the hub's key figures of /reports/hub from the page's JSON block (Chart.js, served locally). */
(function () {
  'use strict';
  var stats = JSON.parse(document.getElementById('report-data').textContent);
  var AGENCY = '#000091';
  var PARTNER = '#e1000f';
  var options = function (stacked, horizontal) {
    var counts = { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } }; // offers are whole numbers
    var labels = { stacked: stacked };
    return {
      animation: false,
      maintainAspectRatio: false,
      indexAxis: horizontal ? 'y' : 'x',
      scales: horizontal ? { x: counts, y: labels } : { x: labels, y: counts },
    };
  };
  var part = function (row, source) {
    var found = (row.bySource || []).filter(function (p) {
      return p.key === source;
    })[0];
    return found ? found.count : 0;
  };
  var bySourceSplit = function (id, rows) {
    new Chart(document.getElementById(id), {
      type: 'bar',
      data: {
        labels: rows.map(function (r) {
          return r.label;
        }),
        datasets: [
          {
            label: 'France Travail',
            data: rows.map(function (r) {
              return part(r, 'AGENCY');
            }),
            backgroundColor: AGENCY,
          },
          {
            label: 'Partenaires',
            data: rows.map(function (r) {
              return part(r, 'PARTNER');
            }),
            backgroundColor: PARTNER,
          },
        ],
      },
      options: options(true, false),
    });
  };
  new Chart(document.getElementById('by-source-chart'), {
    type: 'doughnut',
    data: {
      labels: stats.activeOffersBySource.map(function (r) {
        return r.label;
      }),
      datasets: [
        {
          data: stats.activeOffersBySource.map(function (r) {
            return r.count;
          }),
          backgroundColor: stats.activeOffersBySource.map(function (r) {
            return r.key === 'AGENCY' ? AGENCY : PARTNER;
          }),
        },
      ],
    },
    options: { animation: false, maintainAspectRatio: false },
  });
  new Chart(document.getElementById('top-partners-chart'), {
    type: 'bar',
    data: {
      labels: stats.topPartners.map(function (r) {
        return r.label;
      }),
      datasets: [
        {
          label: 'Offres en ligne',
          data: stats.topPartners.map(function (r) {
            return r.count;
          }),
          backgroundColor: PARTNER,
        },
      ],
    },
    options: options(false, true),
  });
  bySourceSplit('by-region-chart', stats.activeOffersByRegion);
  bySourceSplit('by-domain-chart', stats.activeOffersByRomeDomain);
  document.body.setAttribute('data-chart-ready', 'true');
})();
