import { In, type DataSource, type Repository } from 'typeorm';
import { PartnerEntity, type PartnerStatus } from '../../entities';
import type { RequestScope } from '../auth/request-scope';
import { requireAgency } from '../auth/viewer';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors';
import { isDuplicateKey } from '../db/driver-errors';
import { offerStockChanged } from '../db/offer-stock';

const PARTNER_CODE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

function optionalHttpUrl(value: unknown, field: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadUserInputError(`${field}: not a URL`, field);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadUserInputError(`${field}: must be http(s)`, field);
  if (url.href.length > 500) throw new BadUserInputError(`${field}: at most 500 characters`, field);
  return url.href;
}

/** Partners: reads for everyone, and the agency's administration (create, suspend, reactivate). */
export class PartnerService {
  private readonly repo: Repository<PartnerEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(PartnerEntity);
  }

  /** Every partner, by name. */
  list(): Promise<PartnerEntity[]> {
    return this.repo.find({ order: { name: 'ASC', id: 'ASC' } });
  }

  /** Partners by id, for the partnerById loader. */
  async byIds(ids: readonly number[]): Promise<Map<number, PartnerEntity>> {
    if (ids.length === 0) return new Map();
    const rows = await this.repo.findBy({ id: In([...ids]) });
    return new Map(rows.map((p) => [p.id, p]));
  }

  /** AGENCY: registers a partner; its code must be a free slug. */
  async create(scope: RequestScope, input: { code: string; name: string; website?: unknown; logoUrl?: unknown }): Promise<PartnerEntity> {
    const { viewer } = scope;
    requireAgency(viewer);
    const code = input.code.trim();
    if (!PARTNER_CODE.test(code))
      throw new BadUserInputError('code: 2 to 64 lower-case letters, digits and hyphens (e.g. "keljob")', 'input.code');
    const name = input.name.trim();
    if (!name || name.length > 200) throw new BadUserInputError('name: 1 to 200 characters', 'input.name');
    const partner = Object.assign(new PartnerEntity(), {
      code,
      name,
      website: optionalHttpUrl(input.website, 'input.website'),
      logoUrl: optionalHttpUrl(input.logoUrl, 'input.logoUrl'),
      status: 'ACTIVE' as const,
      createdAt: new Date(),
    });
    if (await this.repo.existsBy({ code })) throw new ConflictError(`A partner with code "${code}" already exists`);
    try {
      return await this.repo.save(partner);
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError(`A partner with code "${code}" already exists`);
      throw err;
    }
  }

  /** AGENCY: sets a partner's status (SUSPENDED hides its offers from public search at once). */
  async setStatus(scope: RequestScope, id: number, status: PartnerStatus): Promise<PartnerEntity> {
    const { viewer } = scope;
    requireAgency(viewer);
    const partner = await this.repo.findOneBy({ id });
    if (!partner) throw new NotFoundError('No such partner');
    if (partner.status !== status) {
      await this.repo.update({ id }, { status });
      await offerStockChanged(this.repo.manager.connection);
      partner.status = status;
    }
    return partner;
  }
}
