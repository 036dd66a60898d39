import type { SalaryPeriod } from '../../entities/offers/offer.entity';

/** Where a parsed salary's period comes from. */
export type SalaryPeriodSource =
  /** The text says it ("Mensuel de ...", "€/h", "brut annuel") and the amount fits. */
  | 'LABEL'
  /** The text says nothing; guessed from the amount ("De 1800,00 Euros à 2100,00 Euros" → MONTH). */
  | 'INFERRED'
  /** The text says one period but the amount only fits another ("Annuel de 17,00 Euros" → HOUR). */
  | 'CORRECTED';

export interface ParsedSalary {
  min: number | null;
  max: number | null;
  /** ISO 4217; EUR unless the text names another currency. */
  currency: 'EUR' | string;
  period: SalaryPeriod | null;
  /** The text, whitespace-normalised and cut to 255 characters (the salary_label column). */
  label: string;
  /** "sur 13 mois" / "13e mois": how many monthly payments a year; null when not stated. */
  monthsPerYear: number | null;
  periodSource: SalaryPeriodSource | null;
}

/** Legal full-time hours per year in France (35 h x 52 weeks minus leave and holidays). */
export const HOURS_PER_YEAR = 1607;

/**
 * An amount on a yearly scale, for comparing offers paid by the hour, month or year
 * (the `salary_yearly_min` column and the `minSalary` filter): HOUR x 1607, MONTH x 12, YEAR x 1.
 * Months are always 12 here, even "sur 13 mois", so that every source compares on the same rule.
 */
export function yearlySalary(amount: number | null | undefined, period: SalaryPeriod | null | undefined): number | null {
  if (amount == null || !Number.isFinite(amount) || period == null) return null;
  const factor = period === 'HOUR' ? HOURS_PER_YEAR : period === 'MONTH' ? 12 : 1;
  return Math.round(amount * factor * 100) / 100;
}

const MAX_LABEL_LENGTH = 255;

/** Placeholder texts publishers put in salary fields that carry no information. */
const NOISE = /^(?:n\/?a|n\.?c\.?|non|nul|néant|aucun|autres?|autre type de salaire|\?+|0)$/i;

/** Period words France Travail puts first in `salaire.libelle`. */
const LEADING_PERIOD: ReadonlyArray<[RegExp, SalaryPeriod]> = [
  [/^horaire\b/i, 'HOUR'],
  [/^mensuel\b/i, 'MONTH'],
  [/^annuel\b/i, 'YEAR'],
];

/** Period hints in free text ("de 16,61 € à 25,01 € brut/h", "2 800 € - 3 400 € par mois", "50 - 55 k€"). */
const TEXT_PERIOD: ReadonlyArray<[RegExp, SalaryPeriod]> = [
  [/\/\s*h(?:eure)?\b|\bpar heure\b|\bde l'?\s*h(?:eure|e)?\b|\bl'heure\b|\bhoraires?\b|\bheure brut|€\s*h\b|\bhourly\b/i, 'HOUR'],
  [/\/\s*mois\b|\bpar mois\b|\bmensuel(?:le)?s?\b|\bmonthly\b/i, 'MONTH'],
  [/\/\s*an\b|\bpar an\b|\/\s*année\b|\bpar année\b|\bannuel(?:le)?s?\b|\d\s*k\s*(?:€|e\b|eur)|\byearly\b|\bannual\b/i, 'YEAR'],
];

/**
 * Day and week rates ("60€/jour", "500 € par semaine"): real, but none of our periods, and the
 * amount must not be mistaken for an hourly or monthly one.
 */
const OTHER_PERIOD =
  /€\s*(?:brut|net)?\s*(?:\/|par)\s*(?:j(?:our)?|semaine)\b|\bpar jour\b|\bjournalier\b|\bhebdomadaire\b|\bdaily\b|\bweekly\b/i;

/**
 * Amounts that fit a period: outside these bounds a stated period is taken for a publisher slip
 * (the real data has "Annuel de 17,00 Euros à 27,00 Euros" for 15-23 €/h tutoring,
 * "Horaire de 2000,00 Euros" and "Mensuel de 27000.0 Euros" for a 27-28 k€ yearly salary).
 */
const PLAUSIBLE: Record<SalaryPeriod, [number, number]> = {
  HOUR: [5, 300],
  MONTH: [300, 20_000],
  YEAR: [5_000, 2_000_000],
};

function inferPeriod(amount: number): SalaryPeriod | null {
  if (amount >= 5 && amount < 150) return 'HOUR';
  if (amount >= 300 && amount < 10_000) return 'MONTH';
  if (amount >= 10_000 && amount <= 2_000_000) return 'YEAR';
  return null; // 150-300 could be a day rate or a small monthly amount: do not guess
}

/** "2 800", "1 832,50", "25000.0", "11,98", "2.800" (thousands) — spaces already normalised. */
const NUMBER = /\d{1,3}(?: \d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?/g;

/** What may follow a number that is not an amount: hours, percentages, ordinals, durations. */
const NOT_AMOUNT_AFTER =
  /^\s*(?:h\b|h\d|heures?\b|hrs?\b|%|e\b|è|ème|eme|er\b|ère|mois\b|ans?\b|années?\b|jours?\b|j\b|semaines?\b|sem\b|km\b|min\b|salariés?\b|personnes?\b|postes?\b)/i;
/** What may precede a number that is not an amount: collective agreements, pay-scale indices. */
const NOT_AMOUNT_BEFORE = /(?:ccn|idcc|convention|indice|ind\.|bac|niveau|échelon|echelon|coef\w*|catégorie|groupe|\+)\s*$/i;
const THOUSANDS_AFTER = /^\s*k(?:\s*€|\s*e\b|\s*eur|\b)/i;

function toNumber(token: string): number {
  const compact = token.replace(/ /g, '');
  // "2.800" / "2,800" with exactly three digits after a short integer part: a thousands separator.
  // France Travail's own labels never write three decimals ("25000.0", "1824.00", "11,98").
  const thousands = /^(\d{1,3})[.,](\d{3})$/.exec(compact);
  if (thousands) return Number(thousands[1] + thousands[2]);
  return Number(compact.replace(',', '.'));
}

interface Amount {
  value: number;
  thousands: boolean;
}

function extractAmounts(text: string): Amount[] {
  const amounts: Amount[] = [];
  for (const match of text.matchAll(NUMBER)) {
    const start = match.index ?? 0;
    const end = start + match[0].length;
    const before = text.slice(Math.max(0, start - 12), start);
    const after = text.slice(end, end + 12);
    // A number glued to letters is a reference ("L1500", "B2"), not an amount.
    if (/[A-Za-zÀ-ÿ]$/.test(before) || NOT_AMOUNT_BEFORE.test(before)) continue;
    if (/^[.,]\d/.test(after)) continue;
    const thousands = THOUSANDS_AFTER.test(after);
    if (!thousands && NOT_AMOUNT_AFTER.test(after)) continue;
    // ...and so is a number with letters glued after it ("138M"), unless they spell the currency.
    if (!thousands && /^[A-Za-zÀ-ÿ]/.test(after) && !/^eur/i.test(after)) continue;
    const value = toNumber(match[0]);
    if (!Number.isFinite(value) || value <= 0) continue;
    amounts.push({ value: thousands ? value * 1000 : value, thousands });
    if (amounts.length === 2) break;
  }
  // "50 - 55 k€", "27-28KE": the k of the upper bound applies to the lower one too.
  if (amounts.length === 2 && amounts[1].thousands && !amounts[0].thousands && amounts[0].value < 1000) {
    amounts[0] = { value: amounts[0].value * 1000, thousands: true };
  }
  return amounts;
}

function detectCurrency(text: string): string {
  if (/\bCHF\b|francs? suisses?/i.test(text)) return 'CHF';
  if (/\$|\bUSD\b|\bdollars?\b/i.test(text)) return 'USD';
  if (/£|\bGBP\b/.test(text)) return 'GBP';
  return 'EUR';
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/**
 * Parses a salary as publishers write it: France Travail's `salaire.libelle`
 * ("Mensuel de 1824.00 Euros sur 12 mois", "Annuel de 22000,00 Euros à 35000,00 Euros",
 * "Horaire de 11,98 Euros", "De 1800,00 Euros à 2100,00 Euros") and the free text of
 * `salaire.commentaire` ("de 16,61 € à 25,01 € brut/h", "50 - 55 k€ brut annuel").
 * Returns null for nothing or a placeholder ("N/A", ".", "Autre"); a text without amounts
 * ("Selon profil") keeps its label with min and max null.
 */
export function parseSalary(label: string | null | undefined): ParsedSalary | null {
  if (label == null) return null;
  const text = String(label)
    .replace(/[\u00a0\u202f\u2007\u2009]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!/[\p{L}\p{N}]/u.test(text) || NOISE.test(text)) return null;

  let monthsPerYear: number | null = null;
  // "sur 12.0 mois" / "sur 13 mois": payments a year, not an amount. "sur 0.0 mois" means unknown.
  // A trailing "sur 13.5" is the same with "mois" cut off by the field's length limit.
  let amountsText = text.replace(/\bsur (\d+(?:[.,]\d+)?)(?: ?mois\b|\s*$)/gi, (_whole, months: string) => {
    const value = Number(months.replace(',', '.'));
    if (value >= 1 && value <= 16) monthsPerYear = value;
    return ' ';
  });
  amountsText = amountsText.replace(/\b(1[34]) ?(?:e|è|ème|eme)(?: mois)?\b/gi, (_whole, months: string) => {
    monthsPerYear ??= Number(months);
    return ' ';
  });

  const amounts = extractAmounts(amountsText);

  let stated: SalaryPeriod | null = null;
  let otherPeriod = false;
  for (const [pattern, period] of LEADING_PERIOD) {
    if (pattern.test(text)) stated = period;
  }
  // Free-text period words only count next to an amount: "Commissions mensuelles" is no salary.
  if (!stated && amounts.length > 0) {
    otherPeriod = OTHER_PERIOD.test(amountsText);
    for (const [pattern, period] of TEXT_PERIOD) {
      if (!otherPeriod && pattern.test(amountsText)) {
        stated = period;
        break;
      }
    }
  }

  let min: number | null = amounts.length > 0 ? round2(amounts[0].value) : null;
  let max: number | null = amounts.length > 1 ? round2(amounts[1].value) : null;
  if (min !== null && max !== null && max < min) {
    // A reversed range is swapped; a second number of another magnitude ("2200€ net pour 16")
    // is not an upper bound.
    if (min / max <= 10) [min, max] = [max, min];
    else max = null;
  }

  let period: SalaryPeriod | null = stated;
  let periodSource: SalaryPeriodSource | null = stated ? 'LABEL' : null;
  const reference = min ?? max;
  if (reference !== null && !otherPeriod) {
    const fits = stated !== null && reference >= PLAUSIBLE[stated][0] && reference <= PLAUSIBLE[stated][1];
    if (!fits) {
      const inferred = inferPeriod(reference);
      if (inferred) {
        period = inferred;
        periodSource = stated ? 'CORRECTED' : 'INFERRED';
      }
    }
  }

  return {
    min,
    max,
    currency: detectCurrency(text),
    period,
    label: text.length > MAX_LABEL_LENGTH ? text.slice(0, MAX_LABEL_LENGTH - 1).trimEnd() + '…' : text,
    monthsPerYear,
    periodSource,
  };
}
