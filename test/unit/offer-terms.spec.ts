import { constrainingWords, foldedWords, MAX_TERM_LENGTH, offerTermWeights, TITLE_WEIGHT } from '../../src/lib/offer-terms';
import { tokenizeKeywords } from '../../src/offers/offer-filter';

describe('offer terms: the words both the index and searches are made of', () => {
  it('folds case and accents, splits on anything but letters and digits', () => {
    expect(foldedWords("Ingénieur d'ÉTUDES H/F – Électricité & Génie-Civil, Bac+2 (2026)")).toEqual([
      'ingenieur',
      'etudes',
      'electricite',
      'genie',
      'civil',
      'bac',
      '2026',
    ]);
    expect(foldedWords('Crème brûlée, façade, NOËL, Ça')).toEqual(['creme', 'brulee', 'facade', 'noel']);
  });

  it('leaves out words under 3 letters and InnoDB stop words, as searches always did', () => {
    expect(foldedWords('un CDI de 35 h pour the best job with us')).toEqual(['cdi', 'pour', 'best', 'job']);
  });

  it('cuts very long words to MAX_TERM_LENGTH characters, in searches alike', () => {
    const long = 'a'.repeat(MAX_TERM_LENGTH + 10);
    expect(foldedWords(long)).toEqual(['a'.repeat(MAX_TERM_LENGTH)]);
    expect(tokenizeKeywords(long)).toEqual(foldedWords(long));
  });

  it('weighs an occurrence in the title TITLE_WEIGHT, one in the description 1', () => {
    const weights = offerTermWeights('Vendeur vendeur en boulangerie', 'Boulangerie cherche vendeur. Vendeuse bienvenue.');
    expect(Object.fromEntries(weights)).toEqual({
      vendeur: 2 * TITLE_WEIGHT + 1,
      boulangerie: TITLE_WEIGHT + 1,
      cherche: 1,
      vendeuse: 1,
      bienvenue: 1,
    });
  });

  it('a search word another one starts with adds nothing (its offers are a superset): it is left out', () => {
    expect(constrainingWords(['ingen', 'ingenieur', 'logiciel', 'logiciel'])).toEqual(['ingenieur', 'logiciel']);
    expect(constrainingWords(['aide', 'soignant'])).toEqual(['aide', 'soignant']);
  });
});
