import { ForbiddenError, UnauthenticatedError } from '../errors';

/** The authenticated caller of one request. */
export type Viewer =
  { role: 'PUBLIC' } | { role: 'PARTNER'; partnerId: number; apiKeyId: number } | { role: 'AGENCY'; apiKeyId: number | null };

export const PUBLIC_VIEWER: Viewer = { role: 'PUBLIC' };

/** Throws unless the viewer is the agency. */
export function requireAgency(viewer: Viewer): asserts viewer is Extract<Viewer, { role: 'AGENCY' }> {
  if (viewer.role === 'PUBLIC') throw new UnauthenticatedError('This needs an AGENCY API key (Authorization: Bearer <key>)');
  if (viewer.role !== 'AGENCY') throw new ForbiddenError('Only the agency may do this');
}

/** Who publishes: a partner (its offers keyed by its id) or the agency itself. */
export type Publisher = { kind: 'PARTNER'; partnerId: number } | { kind: 'AGENCY' };

/** The publisher a viewer writes offers as: its partner, or the agency. */
export function publisherOf(viewer: Viewer): Publisher {
  switch (viewer.role) {
    case 'PARTNER':
      return { kind: 'PARTNER', partnerId: viewer.partnerId };
    case 'AGENCY':
      return { kind: 'AGENCY' };
    case 'PUBLIC':
      throw new UnauthenticatedError('Publishing offers needs a PARTNER or AGENCY API key (Authorization: Bearer <key>)');
  }
}
