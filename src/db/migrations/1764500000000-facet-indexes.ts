import type { MigrationInterface, QueryRunner } from 'typeorm';
import { onSqlite } from './engine-ddl';

/**
 * An index for pages filtered by department and contract type (the commonest search), and
 * covering indexes for totals and facets under a department and/or contract filter (the commonest
 * search): every column such a count reads, including the visibility predicates (partner_id,
 * valid_through), is in the index, so it counts from the index without touching the rows.
 */
export class FacetIndexes1764500000000 implements MigrationInterface {
  name = 'FacetIndexes1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = onSqlite(queryRunner);
    for (const [name, columns] of FACET_INDEXES) {
      await queryRunner.query(
        sqlite
          ? `CREATE INDEX "${name}" ON "offer" (${columns.map((c) => `"${c}"`).join(', ')})`
          : `CREATE INDEX \`${name}\` ON \`offer\` (${columns.map((c) => `\`${c}\``).join(', ')})`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const sqlite = onSqlite(queryRunner);
    for (const [name] of FACET_INDEXES) await queryRunner.query(sqlite ? `DROP INDEX "${name}"` : `DROP INDEX \`${name}\` ON \`offer\``);
  }
}

export const FACET_INDEXES: Array<[string, string[]]> = [
  // Pages under a department and a contract filter, in date order, without reading other rows.
  ['ix_offer_department_contract', ['status', 'department_code', 'contract_type', 'published_at', 'id']],
  ['ix_offer_facet_department', ['status', 'department_code', 'contract_type', 'rome_code', 'source', 'partner_id', 'valid_through']],
  ['ix_offer_facet_contract', ['status', 'contract_type', 'department_code', 'rome_code', 'source', 'partner_id', 'valid_through']],
];
