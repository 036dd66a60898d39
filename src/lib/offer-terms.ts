/**
 * The words of offer texts and of keyword searches, folded the same way on both sides: Unicode
 * decomposition with the combining marks removed (accents), lower case, split on anything that is
 * neither a letter nor a digit. Words under 3 letters and InnoDB's English stop words are dropped
 * (the public contract, docs/search.md, kept from the FULLTEXT index). SQLite's FTS5 tokenizer
 * (`unicode61 remove_diacritics 2`) folds the same way; MariaDB's term index (`offer_term`,
 * offer-search-index.ts) is built from these words, so both engines match alike.
 */

/** Words shorter than this are neither indexed nor searched. */
export const MIN_TERM_LENGTH = 3;

/**
 * Longer words are cut to this many characters, in the index and in searches alike (a search word
 * longer than that matches as a prefix of its first 64 characters). `offer_term.term` is varchar(64).
 */
export const MAX_TERM_LENGTH = 64;

/** Weight of an occurrence in the title, against 1 in the description (RELEVANCE on MariaDB). */
export const TITLE_WEIGHT = 3;

/** offer_term.weight is a smallint unsigned. */
const MAX_WEIGHT = 65_535;

/**
 * Words MariaDB's InnoDB full-text index never indexed (its default stop list). They are dropped
 * from keywords on both engines, together with words under 3 letters, so both answer alike.
 */
const STOPWORDS = new Set(
  'a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und www'.split(
    ' ',
  ),
);

const MARKS = /\p{M}+/gu;
const SEPARATORS = /[^\p{L}\p{N}]+/u;

function cut(word: string): string {
  if (word.length <= MAX_TERM_LENGTH) return word;
  return Array.from(word).slice(0, MAX_TERM_LENGTH).join('');
}

/** The folded words of a text, in order, repeats included (stop words and short words left out). */
export function foldedWords(text: string): string[] {
  const out: string[] = [];
  for (const word of text.normalize('NFD').replace(MARKS, '').toLowerCase().split(SEPARATORS)) {
    if (word.length >= MIN_TERM_LENGTH && !STOPWORDS.has(word)) out.push(cut(word));
  }
  return out;
}

/**
 * The index terms of an offer and their weights: occurrences in the description, plus TITLE_WEIGHT
 * per occurrence in the title. Keyed by term; one entry per distinct word.
 */
export function offerTermWeights(title: string, description: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const word of foldedWords(title)) weights.set(word, Math.min(MAX_WEIGHT, (weights.get(word) ?? 0) + TITLE_WEIGHT));
  for (const word of foldedWords(description)) weights.set(word, Math.min(MAX_WEIGHT, (weights.get(word) ?? 0) + 1));
  return weights;
}

/**
 * The words of a search that constrain it: a word that another one starts with adds nothing (every
 * offer with a word starting with `ingenieur` has one starting with `ingen`), so it is left out.
 * Afterwards no index term starts with two of them: each term belongs to one search word at most.
 */
export function constrainingWords(tokens: readonly string[]): string[] {
  const unique = [...new Set(tokens)];
  return unique.filter((w) => !unique.some((other) => other !== w && other.startsWith(w)));
}
