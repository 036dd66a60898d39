import crypto from 'node:crypto';
import type { ConsentEntity, PartnerEntity } from '../../entities';
import type { CvInput } from '../../src/__generated__/resolvers-types';
import { toDbDateTime } from '../../src/db/sql';
import { agencyScope } from '../../src/candidates/candidate.service';
import type { CandidateCvModel } from '../../src/candidates/candidate.types';
import type { TestHub } from '../helpers/test-hub';

let sequence = 0;
const unique = () => `${Date.now().toString(36)}${(++sequence).toString(36)}${crypto.randomBytes(2).toString('hex')}`;

/** A valid CVInput (Annecy, a cook) with unique candidateRef and contact details. */
export function cvInput(overrides: Partial<CvInput> = {}): CvInput {
  const id = unique();
  const digits = String(crypto.randomInt(10_000_000, 99_999_999));
  return {
    candidateRef: `cand-${id}`,
    headline: 'Cuisinier expérimenté, cuisine traditionnelle',
    summary: 'Dix ans en brasserie et en restaurant gastronomique.',
    skills: ['Cuisine traditionnelle', 'HACCP'],
    romeCodes: ['G1602'],
    location: { postalCode: '74000' },
    mobilityRadiusKm: 30,
    desiredContractTypes: ['PERMANENT'],
    experiences: [
      {
        title: 'Chef de partie',
        employer: 'Brasserie du Lac',
        from: '2018-01-01',
        to: '2024-06-30',
        description: 'Garde-manger et sauces.',
      },
    ],
    education: [{ title: 'CAP Cuisine', level: 'CAP', year: 2012 }],
    languages: ['Français', 'Anglais'],
    drivingLicences: ['B'],
    contact: { name: `Camille Zorglub ${id}`, email: `camille.${id}@example.fr`, phone: `+336${digits}` },
    ...overrides,
  };
}

export interface CvOverrides extends Partial<CvInput> {
  /** Backdates the CV (retention tests). */
  updatedAt?: Date;
}

/** Publishes a CV through the candidate service, as the agency would. */
export async function createCv(t: TestHub, overrides: CvOverrides = {}): Promise<CandidateCvModel & { input: CvInput }> {
  const { updatedAt, ...fields } = overrides;
  const input = cvInput(fields);
  const cv = await t.hub.services.candidates.publish(agencyScope(), input);
  if (updatedAt) {
    await t.dataSource.query('UPDATE candidate_cv SET updated_at = ? WHERE id = ?', [toDbDateTime(updatedAt), cv.id]);
    // The terms' copy (ix_candidate_cv_term_recent), as the service keeps it.
    await t.dataSource.query('UPDATE candidate_cv_term SET cv_updated_at = ? WHERE cv_id = ?', [toDbDateTime(updatedAt), cv.id]);
    cv.updatedAt = updatedAt;
  }
  return Object.assign(cv, { input });
}

export interface ConsentOverrides {
  /** Omitted or null: every partner. */
  partner?: PartnerEntity | null;
  shareContact?: boolean;
  /** May be in the past (written after the grant, which only accepts future dates). */
  expiresAt?: Date;
  grantedAt?: Date;
  revokedAt?: Date;
}

/** Records a consent through the candidate service; past dates are written afterwards. */
export async function createConsent(t: TestHub, cv: { id: number }, overrides: ConsentOverrides = {}): Promise<ConsentEntity> {
  const consent = await t.hub.services.candidates.grantConsent(agencyScope(), {
    cvId: cv.id,
    partnerId: overrides.partner?.id ?? null,
    shareContact: overrides.shareContact ?? false,
    expiresAt: overrides.expiresAt && overrides.expiresAt.getTime() > Date.now() ? overrides.expiresAt : null,
  });
  const patch: Record<string, Date> = {};
  if (overrides.expiresAt && overrides.expiresAt.getTime() <= Date.now()) patch.expires_at = overrides.expiresAt;
  if (overrides.grantedAt) patch.granted_at = overrides.grantedAt;
  if (overrides.revokedAt) patch.revoked_at = overrides.revokedAt;
  const columns = Object.keys(patch);
  if (columns.length) {
    await t.dataSource.query(`UPDATE consent SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`, [
      ...columns.map((c) => toDbDateTime(patch[c])),
      consent.id,
    ]);
    Object.assign(consent, {
      expiresAt: patch.expires_at ?? consent.expiresAt,
      grantedAt: patch.granted_at ?? consent.grantedAt,
      revokedAt: patch.revoked_at ?? consent.revokedAt,
    });
  }
  return consent;
}
