import { isObjectType } from 'graphql';
import { buildSchema } from '../../src/schema';
import { LOCATION_FIELD_COLUMNS, OFFER_FIELD_COLUMNS } from '../../src/offers/offer-fields';

describe('OFFER_FIELD_COLUMNS', () => {
  it('maps every field of the Offer type (a page would otherwise read every column)', () => {
    const offer = buildSchema().getType('Offer');
    if (!isObjectType(offer)) throw new Error('no Offer type');
    const unmapped = Object.keys(offer.getFields()).filter((f) => !(f in OFFER_FIELD_COLUMNS));
    expect(unmapped).toEqual([]);
  });

  it('maps every field of the Location type (a page showing one would otherwise read every column)', () => {
    const location = buildSchema().getType('Location');
    if (!isObjectType(location)) throw new Error('no Location type');
    const unmapped = Object.keys(location.getFields()).filter((f) => !(`location.${f}` in LOCATION_FIELD_COLUMNS));
    expect(unmapped).toEqual([]);
  });
});
