import DataLoader from 'dataloader';
import type { PartnerEntity } from '../../entities';
import type { PartnerService } from './partner.service';

/** Per-request partner loaders (see src/loaders.ts). */
export interface PartnerLoaders {
  partnerById: DataLoader<number, PartnerEntity | null>;
}

export function createPartnerLoaders(partners: PartnerService): PartnerLoaders {
  return {
    partnerById: new DataLoader(async (ids) => {
      const found = await partners.byIds(ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
}
