import type { AudienceReportModel } from '../audience/audience.types';
import { escapeHtml, numberCell, page } from './html';

const GRANULARITY_LABELS = { DAY: 'par jour', WEEK: 'par semaine', MONTH: 'par mois' } as const;

/** GET /reports/audience: the same AudienceReport the GraphQL `audience` query answers, as a chart and a table. */
export function renderAudiencePage(report: AudienceReportModel): string {
  const scope = report.partner ? report.partner.name : 'Tout le site';
  const totals = report.totals;
  const card = (label: string, field: keyof typeof totals) =>
    `<div class="card"><div class="label">${label}</div><div class="value" data-field="totals.${field}" data-value="${totals[field]}">${escapeHtml(new Intl.NumberFormat('fr-FR').format(totals[field]))}</div></div>`;
  const rows = report.series
    .map(
      (p, i) =>
        `<tr data-index="${i}"><td data-field="periodStart">${escapeHtml(p.periodStart)}</td><td data-field="periodEnd">${escapeHtml(p.periodEnd)}</td>` +
        numberCell(p.impressions, 'impressions') +
        numberCell(p.views, 'views') +
        numberCell(p.applyClicks, 'applyClicks') +
        numberCell(p.uniqueVisitors, 'uniqueVisitors') +
        '</tr>',
    )
    .join('\n');
  const body = `
<p class="scope">${escapeHtml(scope)} · du <time>${escapeHtml(report.from)}</time> au <time>${escapeHtml(report.to)}</time> · ${GRANULARITY_LABELS[report.granularity]} (jours de Paris)</p>
<section class="cards">
${card('Impressions', 'impressions')}
${card('Vues', 'views')}
${card('Clics « postuler »', 'applyClicks')}
${card('Visiteurs uniques', 'uniqueVisitors')}
</section>
<section class="chart"><canvas id="audience-chart" role="img" aria-label="Audience ${escapeHtml(GRANULARITY_LABELS[report.granularity])}"></canvas></section>
<table id="audience-series">
<thead><tr><th>Début</th><th>Fin</th><th>Impressions</th><th>Vues</th><th>Clics « postuler »</th><th>Visiteurs uniques</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p class="note">Visiteurs uniques : estimation HyperLogLog (à 2 % près), dédoublonnée au sein d'un mois civil.</p>`;
  return page({
    title: `Audience — ${scope}`,
    body,
    data: {
      partner: report.partner ? { code: report.partner.code, name: report.partner.name } : null,
      from: report.from,
      to: report.to,
      granularity: report.granularity,
      series: report.series,
      totals,
    },
    script: 'audience-report.js',
  });
}
