import type { OfferStatus } from '../../entities';
import type { Viewer } from '../auth/viewer';
import { BadUserInputError, ForbiddenError } from '../errors';
import type { OfferFilterSpec } from './offer-search.types';

/**
 * Who sees which offers beyond public search: a partner sees its own offers in every status (to
 * reconcile what it published, withdrew or let expire), the agency every offer (it runs the hub:
 * suspends partners, answers their questions). The public sees ACTIVE offers only.
 */

/** Whether the viewer may see every status of this publisher's offers (partnerId null: the agency's own). */
export function mayManageOffersOf(viewer: Viewer, partnerId: number | null): boolean {
  if (viewer.role === 'AGENCY') return true;
  return viewer.role === 'PARTNER' && partnerId !== null && viewer.partnerId === partnerId;
}

/** How offers by id are read for this viewer (OfferSearchService.byIds options). */
export function offerByIdVisibility(viewer: Viewer): { anyStatus?: boolean; ownerKey?: number } {
  if (viewer.role === 'AGENCY') return { anyStatus: true };
  if (viewer.role === 'PARTNER') return { ownerKey: viewer.partnerId };
  return {};
}

/**
 * The filter of a publisher's own listing in these statuses (all three when none are given).
 * Keywords search the public index (ACTIVE offers only), so with other statuses they are refused
 * rather than silently missing the withdrawn and expired offers.
 */
export function ownerFilter(filter: OfferFilterSpec, statuses: readonly OfferStatus[] | null | undefined): OfferFilterSpec {
  const wanted: OfferStatus[] = statuses?.length ? [...new Set(statuses)] : ['ACTIVE', 'WITHDRAWN', 'EXPIRED'];
  if (filter.keywordTokens && wanted.some((s) => s !== 'ACTIVE')) {
    throw new BadUserInputError(
      'filter.keywords: searches ACTIVE offers only; ask for statuses: [ACTIVE], or drop keywords to list other statuses',
      'filter.keywords',
    );
  }
  return { ...filter, statuses: wanted };
}

/**
 * Partner.offers: the public view (ACTIVE) unless `statuses` asks for more, which only the partner
 * itself and the agency may do.
 */
export function partnerOffersFilter(
  viewer: Viewer,
  partnerId: number,
  filter: OfferFilterSpec,
  statuses: readonly OfferStatus[] | null | undefined,
): OfferFilterSpec {
  if (!statuses || (statuses.length > 0 && statuses.every((s) => s === 'ACTIVE') && !mayManageOffersOf(viewer, partnerId))) return filter;
  if (!mayManageOffersOf(viewer, partnerId)) {
    throw new ForbiddenError("statuses: only the partner itself and the agency may list a partner's withdrawn or expired offers");
  }
  return ownerFilter(filter, statuses);
}
