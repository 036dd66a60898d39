import { In, type DataSource, type Repository } from 'typeorm';
import { PartnerEntity } from '../../entities';

/** Reads partners. (Writes and authorization come with the partner-integration work.) */
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
}
