import { isObjectType } from 'graphql';
import { buildSchema } from '../../src/schema';
import { OFFER_FIELD_COLUMNS } from '../../src/offers/offer-search.sql';

describe('OFFER_FIELD_COLUMNS', () => {
  it('maps every field of the Offer type (a page would otherwise read every column)', () => {
    const offer = buildSchema().getType('Offer');
    if (!isObjectType(offer)) throw new Error('no Offer type');
    const unmapped = Object.keys(offer.getFields()).filter((f) => !(f in OFFER_FIELD_COLUMNS));
    expect(unmapped).toEqual([]);
  });
});
