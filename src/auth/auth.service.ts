import type { DataSource, Repository } from 'typeorm';
import { In, IsNull } from 'typeorm';
import { requestScope, type RequestScope } from './request-scope';
import { ApiKeyEntity, PartnerEntity, type ApiKeyRole } from '../../entities';
import { BadUserInputError, NotFoundError, UnauthenticatedError } from '../errors';
import { apiKeyPrefix, generateApiKey, hashApiKey, sameHash } from './api-key';
import { PUBLIC_VIEWER, requireAgency, type Viewer } from './viewer';

/** lastUsedAt is written at most this often per key, so authentication stays a read. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Authenticates API keys and manages them: issue (shown once, stored hashed), revoke, list.
 * The bootstrap key PASSERELLE_ADMIN_KEY, when set, is accepted as an AGENCY key.
 */
export class AuthService {
  private readonly keys: Repository<ApiKeyEntity>;
  private readonly adminKeyHash: string | null;

  constructor(
    private readonly dataSource: DataSource,
    /** PASSERELLE_ADMIN_KEY, if set. */
    adminKey: string | null = null,
  ) {
    this.keys = dataSource.getRepository(ApiKeyEntity);
    this.adminKeyHash = adminKey ? hashApiKey(adminKey) : null;
  }

  /**
   * The viewer behind an Authorization header. No header: PUBLIC. A malformed, unknown or revoked
   * or expired key: UNAUTHENTICATED saying which (never a silent downgrade to PUBLIC).
   */
  async authenticate(authorization: string | undefined): Promise<Viewer> {
    if (authorization === undefined || authorization === '') return PUBLIC_VIEWER;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new UnauthenticatedError('Authorization must be "Bearer <api key>"');
    const key = match[1];
    const hash = hashApiKey(key);
    if (this.adminKeyHash && sameHash(hash, this.adminKeyHash)) return { role: 'AGENCY', apiKeyId: null };
    const prefix = apiKeyPrefix(key);
    const stored = prefix ? await this.keys.findOne({ where: { prefix } }) : null;
    // Compare even when nothing was found, so timing does not tell a known prefix from an unknown one.
    const matches = sameHash(hash, stored?.keyHash ?? '0'.repeat(64)) && stored !== null;
    if (!matches || !stored) throw new UnauthenticatedError('Invalid API key');
    if (stored.revokedAt) throw new UnauthenticatedError('This API key was revoked');
    const now = Date.now();
    if (stored.expiresAt && stored.expiresAt.getTime() <= now) {
      throw new UnauthenticatedError(`This API key expired at ${stored.expiresAt.toISOString()}: ask the agency for a new one`, {
        reason: 'EXPIRED',
        expiredAt: stored.expiresAt.toISOString(),
      });
    }
    if (!stored.lastUsedAt || now - stored.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.keys.update({ id: stored.id }, { lastUsedAt: new Date(now) });
    }
    return stored.role === 'AGENCY'
      ? { role: 'AGENCY', apiKeyId: stored.id }
      : { role: 'PARTNER', partnerId: stored.partnerId!, apiKeyId: stored.id };
  }

  /** AGENCY: a new key; the clear key is in the result and nowhere else. */
  async issueKey(
    scope: RequestScope,
    input: { role: ApiKeyRole | 'PUBLIC'; partnerId: number | null; label?: string | null; expiresAt?: Date | null },
  ): Promise<{ key: string; apiKey: ApiKeyEntity }> {
    const { viewer, now } = scope;
    requireAgency(viewer);
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime())
      throw new BadUserInputError('expiresAt: must be in the future', 'expiresAt');
    if (input.role === 'PUBLIC') throw new BadUserInputError('role: PUBLIC needs no key', 'role');
    if (input.role === 'PARTNER' && input.partnerId === null)
      throw new BadUserInputError('partnerId: a PARTNER key needs its partner', 'partnerId');
    if (input.role === 'AGENCY' && input.partnerId !== null)
      throw new BadUserInputError('partnerId: an AGENCY key has no partner', 'partnerId');
    if (input.label && input.label.length > 200) throw new BadUserInputError('label: at most 200 characters', 'label');
    if (input.partnerId !== null && !(await this.dataSource.getRepository(PartnerEntity).existsBy({ id: input.partnerId }))) {
      throw new NotFoundError('No such partner');
    }
    const { key, prefix, hash } = generateApiKey();
    const apiKey = await this.keys.save(
      Object.assign(new ApiKeyEntity(), {
        prefix,
        keyHash: hash,
        role: input.role,
        partnerId: input.partnerId,
        label: input.label ?? null,
        createdAt: new Date(),
        lastUsedAt: null,
        revokedAt: null,
        expiresAt: input.expiresAt ?? null,
      }),
    );
    return { key, apiKey };
  }

  /** AGENCY: the key stops working on the next request (revoking twice keeps the first date). */
  async revokeKey(scope: RequestScope, id: number): Promise<ApiKeyEntity> {
    const { viewer } = scope;
    requireAgency(viewer);
    const apiKey = await this.keys.findOneBy({ id });
    if (!apiKey) throw new NotFoundError('No such API key');
    if (!apiKey.revokedAt) {
      apiKey.revokedAt = new Date();
      await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: apiKey.revokedAt });
    }
    return apiKey;
  }

  /** Keys by id (callers check that the viewer may see them). */
  async byIds(ids: number[]): Promise<Map<number, ApiKeyEntity>> {
    const rows = ids.length ? await this.keys.findBy({ id: In(ids) }) : [];
    return new Map(rows.map((k) => [k.id, k]));
  }

  /** AGENCY: keys, newest first, optionally one partner's. */
  list(scope: RequestScope, partnerId: number | null): Promise<ApiKeyEntity[]> {
    const { viewer } = scope;
    requireAgency(viewer);
    return this.keys.find({ where: partnerId === null ? {} : { partnerId }, order: { id: 'DESC' } });
  }

  /**
   * Demo mode (`npm start` without NODE_ENV=production): revokes the previous demo keys and issues
   * fresh ones (an AGENCY key and one for the given partner), returned in clear to be printed.
   */
  async rotateDemoKeys(partnerId: number | null): Promise<{ agencyKey: string; partnerKey: string | null }> {
    await this.keys.update({ label: DEMO_KEY_LABEL, revokedAt: IsNull() }, { revokedAt: new Date() });
    const agency = requestScope({ role: 'AGENCY', apiKeyId: null });
    const agencyKey = (await this.issueKey(agency, { role: 'AGENCY', partnerId: null, label: DEMO_KEY_LABEL })).key;
    const partnerKey = partnerId === null ? null : (await this.issueKey(agency, { role: 'PARTNER', partnerId, label: DEMO_KEY_LABEL })).key;
    return { agencyKey, partnerKey };
  }
}

const DEMO_KEY_LABEL = 'demo (npm start)';
