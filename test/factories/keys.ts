import type { PartnerEntity } from '../../entities';
import type { TestHub } from '../helpers/test-hub';
import { requestScope } from '../../src/auth/request-scope';

const AGENCY = requestScope({ role: 'AGENCY', apiKeyId: null });

/** Issues a real API key through the service (as the agency would) and returns it in clear. */
export async function issueKey(t: TestHub, role: 'AGENCY' | 'PARTNER', partner?: PartnerEntity): Promise<string> {
  const { key } = await t.hub.services.auth.issueKey(AGENCY, { role, partnerId: partner?.id ?? null, label: `test ${role}` });
  return key;
}

/** A minimal valid OfferInput in a real commune (Annecy). */
export function offerInput(externalId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    externalId,
    title: `Offre ${externalId}`,
    description: '<p>Une <strong>belle</strong> offre.</p>',
    location: { postalCode: '74000' },
    contractType: 'PERMANENT',
    ...overrides,
  };
}
