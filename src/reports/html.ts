/** Small, dependency-free HTML helpers for the report pages (everything dynamic goes through escapeHtml). */

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON for a `<script type="application/json">` block: `<` escaped so no text can close the tag. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const integer = new Intl.NumberFormat('fr-FR');
const percent = new Intl.NumberFormat('fr-FR', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** 12 345 (French grouping). */
export function formatInteger(n: number): string {
  return integer.format(n);
}

/** 12,3 % */
export function formatShare(share: number): string {
  return percent.format(share);
}

/** A number cell that carries its exact value for scripts and tests (`data-value`). */
export function numberCell(value: number, field: string): string {
  return `<td class="num" data-field="${escapeHtml(field)}" data-value="${value}">${escapeHtml(formatInteger(value))}</td>`;
}

/** The whole page: our stylesheet, the data block, Chart.js (served from node_modules) and the page's own script. */
export function page(opts: { title: string; body: string; data?: unknown; script?: string }): string {
  const data = opts.data === undefined ? '' : `\n<script type="application/json" id="report-data">${jsonForScript(opts.data)}</script>`;
  const scripts = opts.script
    ? `\n<script src="/reports/assets/chart.umd.min.js"></script>\n<script src="/reports/assets/${escapeHtml(opts.script)}"></script>`
    : '';
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(opts.title)} · Passerelle</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/reports/assets/report.css">
</head>
<body>
<header><span class="brand">Passerelle</span> <h1>${escapeHtml(opts.title)}</h1></header>
<main>
${opts.body}
</main>${data}${scripts}
</body>
</html>
`;
}
