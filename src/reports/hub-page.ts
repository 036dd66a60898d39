import type { BreakdownModel } from './hub-stats.service';
import { escapeHtml, formatInteger, formatShare, page } from './html';

export interface HubPageData {
  date: string;
  activeOffers: number;
  newOffers: number;
  activeOffersBySource: BreakdownModel[];
  topPartners: BreakdownModel[];
  activeOffersByRegion: BreakdownModel[];
  activeOffersByRomeDomain: BreakdownModel[];
}

function breakdownTable(id: string, title: string, rows: BreakdownModel[], split: boolean): string {
  const head = split ? '<th>Offres</th><th>Part</th><th>France Travail</th><th>Partenaires</th>' : '<th>Offres</th><th>Part</th>';
  const body = rows
    .map((r) => {
      const parts = split
        ? (r.bySource ?? [])
            .map(
              (p) =>
                `<td class="num" data-field="bySource.${escapeHtml(p.key)}" data-value="${p.count}">${escapeHtml(formatInteger(p.count))} <small>(${escapeHtml(formatShare(p.share))})</small></td>`,
            )
            .join('')
        : '';
      return `<tr data-key="${escapeHtml(r.key)}"><td>${escapeHtml(r.label)}</td><td class="num" data-field="count" data-value="${r.count}">${escapeHtml(formatInteger(r.count))}</td><td class="num" data-field="share" data-value="${r.share}">${escapeHtml(formatShare(r.share))}</td>${parts}</tr>`;
    })
    .join('\n');
  return `<section class="breakdown"><h2>${escapeHtml(title)}</h2><div class="chart"><canvas id="${id}-chart"></canvas></div>
<table id="${id}"><thead><tr><th></th>${head}</tr></thead><tbody>
${body}
</tbody></table></section>`;
}

/** GET /reports/hub: the hub's key figures (the GraphQL `hubStats` answer) with charts. */
export function renderHubPage(stats: HubPageData): string {
  const partners = stats.activeOffersBySource.find((r) => r.key === 'PARTNER');
  const body = `
<p class="scope">Offres en ligne au <time>${escapeHtml(stats.date)}</time> (jour de Paris)</p>
<section class="cards">
<div class="card"><div class="label">Offres en ligne</div><div class="value" data-field="activeOffers" data-value="${stats.activeOffers}">${escapeHtml(formatInteger(stats.activeOffers))}</div></div>
<div class="card"><div class="label">Nouvelles offres du jour</div><div class="value" data-field="newOffers" data-value="${stats.newOffers}">${escapeHtml(formatInteger(stats.newOffers))}</div></div>
<div class="card"><div class="label">Part des partenaires</div><div class="value" data-field="partnerShare" data-value="${partners?.share ?? 0}">${escapeHtml(formatShare(partners?.share ?? 0))}</div></div>
</section>
${breakdownTable('by-source', 'Par origine', stats.activeOffersBySource, false)}
${breakdownTable('top-partners', 'Principaux partenaires', stats.topPartners, false)}
${breakdownTable('by-region', 'Par région', stats.activeOffersByRegion, true)}
${breakdownTable('by-domain', 'Par grand domaine ROME', stats.activeOffersByRomeDomain, true)}`;
  return page({ title: 'Chiffres clés du hub', body, data: stats, script: 'hub-report.js' });
}
