import DataLoader from 'dataloader';
import type { SyndicationService } from './syndication.service';
import type { PartnerSyndicationModel } from './syndication.types';

/** Per-request syndication loaders (see src/loaders.ts). */
export interface SyndicationLoaders {
  syndicationByPartnerId: DataLoader<number, PartnerSyndicationModel>;
}

export function createSyndicationLoaders(syndication: SyndicationService): SyndicationLoaders {
  return {
    syndicationByPartnerId: new DataLoader(async (ids) => {
      const found = await syndication.settingsByPartnerIds(ids);
      return ids.map((id) => found.get(id)!);
    }),
  };
}
