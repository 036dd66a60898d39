import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { OfferEntity, PartnerEntity } from '../../entities';
import { fillOfferDefaults } from '../../src/db/offer-row';
import { locationColumns } from '../../src/referentials/geo';
import { getReferentials } from '../../src/referentials/referential.service';

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${(++sequence).toString(36)}${crypto.randomBytes(2).toString('hex')}`;

/** Inserts a partner (defaults: active, unique code). */
export async function createPartner(ds: DataSource, overrides: Partial<PartnerEntity> = {}): Promise<PartnerEntity> {
  const code = overrides.code ?? `partner-${unique()}`;
  return ds.getRepository(PartnerEntity).save(
    Object.assign(new PartnerEntity(), {
      code,
      name: `Partner ${code}`,
      website: `https://${code}.example.fr`,
      logoUrl: null,
      status: 'ACTIVE',
      createdAt: new Date(),
      ...overrides,
    }),
  );
}

export interface OfferOverrides extends Partial<OfferEntity> {
  /** The publishing partner; omitted for an agency offer. */
  partner?: PartnerEntity | null;
  /** A real INSEE commune code: fills postal code, city, department, region and coordinates. */
  commune?: string;
}

/** Inserts an offer located in a real commune (default Annecy, 74010), ACTIVE, published now. */
export async function createOffer(ds: DataSource, overrides: OfferOverrides = {}): Promise<OfferEntity> {
  const { partner, commune: communeCode = '74010', ...fields } = overrides;
  const commune = getReferentials().commune(communeCode);
  if (!commune) throw new Error(`createOffer: unknown commune ${communeCode}`);
  const { partnerId: _p, partnerKey: _k, ...rest } = fields;
  const row = fillOfferDefaults({
    source: partner ? 'PARTNER' : 'AGENCY',
    externalId: `ext-${unique()}`,
    title: 'Serveur / Serveuse en restauration',
    description: 'Service en salle dans un restaurant traditionnel.',
    romeCode: 'G1803',
    employerName: 'Restaurant du Lac',
    locationLabel: `${commune.departmentCode} - ${commune.name}`,
    ...locationColumns(commune, null),
    fullTime: true,
    ...rest,
  });
  const offer = Object.assign(new OfferEntity(), row, { partnerId: partner?.id ?? null, partnerKey: partner?.id ?? 0 });
  return ds.getRepository(OfferEntity).save(offer);
}
