import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PartnerEntity } from '../partners/partner.entity';

export type OfferSource = 'AGENCY' | 'PARTNER';
export type OfferStatus = 'ACTIVE' | 'WITHDRAWN' | 'EXPIRED';
export type ContractType = 'PERMANENT' | 'FIXED_TERM' | 'TEMPORARY' | 'SEASONAL' | 'APPRENTICESHIP' | 'FREELANCE';
export type SalaryPeriod = 'HOUR' | 'MONTH' | 'YEAR';

/**
 * A job offer, from the agency or re-routed by a partner. Location and salary are flattened
 * into columns: they are filtered and sorted on, and the public read path selects them by name.
 *
 * Index choice (see docs/architecture.md, "Indexes"): every public query filters `status = 'ACTIVE'` and pages
 * by (published_at DESC, id DESC), so each selective filter gets an index that starts with
 * status, then the filter column, then the keyset columns.
 */
@Entity({ name: 'offer' })
@Index('uq_offer_partner_external', ['partnerKey', 'externalId'], { unique: true })
@Index('ix_offer_keyset', ['status', 'publishedAt', 'id'])
@Index('ix_offer_department', ['status', 'departmentCode', 'publishedAt', 'id'])
@Index('ix_offer_rome', ['status', 'romeCode', 'publishedAt', 'id'])
@Index('ix_offer_contract', ['status', 'contractType', 'publishedAt', 'id'])
@Index('ix_offer_region', ['status', 'regionCode', 'publishedAt', 'id'])
@Index('ix_offer_partner', ['partnerId', 'status', 'publishedAt', 'id'])
@Index('ix_offer_geo', ['status', 'latitude', 'longitude'])
@Index('ix_offer_valid_through', ['status', 'validThrough'])
// Department x contract pages, and covering indexes for totals and facets (migration FacetIndexes);
// the page's index also holds what the commonest page shows (migration CoveringPageIndex).
@Index('ix_offer_department_contract', [
  'status',
  'departmentCode',
  'contractType',
  'publishedAt',
  'id',
  'validThrough',
  'partnerId',
  'title',
  'city',
])
@Index('ix_offer_facet_department', ['status', 'departmentCode', 'contractType', 'romeCode', 'source', 'partnerId', 'validThrough'])
@Index('ix_offer_facet_contract', ['status', 'contractType', 'departmentCode', 'romeCode', 'source', 'partnerId', 'validThrough'])
// Full-text search over title + description is engine specific, so the migrations own it and
// TypeORM's schema diff never sees it: on MariaDB a FULLTEXT index on the search table offer_search,
// fed through a queue (migration OfferSearchIndex1764759600000); on SQLite an FTS5 table kept in
// step by triggers.
export class OfferEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ type: 'varchar', length: 8 })
  source!: OfferSource;

  /** Null for agency offers. */
  @Column({ name: 'partner_id', type: 'int', nullable: true })
  partnerId!: number | null;

  /** Relation for the foreign key only: reads go through loaders, never lazy relations. */
  @ManyToOne(() => PartnerEntity, { nullable: true, onDelete: 'RESTRICT', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'partner_id', foreignKeyConstraintName: 'fk_offer_partner' })
  partner?: PartnerEntity | null;

  /**
   * partner_id, or 0 for agency offers: a non-null copy so that (partner_key, external_id) can be a
   * real unique key on both engines (NULLs never collide in a unique index).
   */
  @Column({ name: 'partner_key', type: 'int', default: 0 })
  partnerKey!: number;

  /** The publisher's own reference, unique per partner (per agency for agency offers). */
  @Column({ name: 'external_id', type: 'varchar', length: 128 })
  externalId!: string;

  @Column({ type: 'varchar', length: 255 })
  title!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ name: 'rome_code', type: 'varchar', length: 5, nullable: true })
  romeCode!: string | null;

  @Column({ name: 'employer_name', type: 'varchar', length: 255, nullable: true })
  employerName!: string | null;

  @Column({ name: 'employer_url', type: 'varchar', length: 500, nullable: true })
  employerUrl!: string | null;

  @Column({ name: 'location_label', type: 'varchar', length: 255, nullable: true })
  locationLabel!: string | null;

  @Column({ name: 'commune_code', type: 'varchar', length: 5, nullable: true })
  communeCode!: string | null;

  @Column({ name: 'postal_code', type: 'varchar', length: 5, nullable: true })
  postalCode!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  city!: string | null;

  @Column({ name: 'department_code', type: 'varchar', length: 3, nullable: true })
  departmentCode!: string | null;

  @Column({ name: 'region_code', type: 'varchar', length: 3, nullable: true })
  regionCode!: string | null;

  @Column({ type: 'double', nullable: true })
  latitude!: number | null;

  @Column({ type: 'double', nullable: true })
  longitude!: number | null;

  @Column({ name: 'contract_type', type: 'varchar', length: 16 })
  contractType!: ContractType;

  @Column({ name: 'full_time', type: 'boolean', nullable: true })
  fullTime!: boolean | null;

  @Column({ name: 'salary_min', type: 'double', nullable: true })
  salaryMin!: number | null;

  @Column({ name: 'salary_max', type: 'double', nullable: true })
  salaryMax!: number | null;

  @Column({ name: 'salary_currency', type: 'varchar', length: 3, nullable: true })
  salaryCurrency!: string | null;

  @Column({ name: 'salary_period', type: 'varchar', length: 8, nullable: true })
  salaryPeriod!: SalaryPeriod | null;

  @Column({ name: 'salary_label', type: 'varchar', length: 255, nullable: true })
  salaryLabel!: string | null;

  /**
   * Lower bound of the salary as a yearly amount (hourly x 1607 h, monthly x 12), so that
   * `minSalary` compares offers paid by the hour, month or year on one scale.
   */
  @Column({ name: 'salary_yearly_min', type: 'double', nullable: true })
  salaryYearlyMin!: number | null;

  @Column({ name: 'experience_level', type: 'varchar', length: 32, nullable: true })
  experienceLevel!: string | null;

  @Column({ name: 'published_at', type: 'datetime', precision: 3 })
  publishedAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @Column({ name: 'valid_through', type: 'datetime', precision: 3, nullable: true })
  validThrough!: Date | null;

  @Column({ type: 'varchar', length: 16, default: 'ACTIVE' })
  status!: OfferStatus;

  @Column({ name: 'apply_url', type: 'varchar', length: 1000, nullable: true })
  applyUrl!: string | null;

  @Column({ name: 'reserved_for_jobseekers', type: 'boolean', default: false })
  reservedForJobseekers!: boolean;

  /** Hash of the publisher-supplied content: an upsert with the same hash writes nothing. */
  @Column({ name: 'content_hash', type: 'varchar', length: 64, nullable: true })
  contentHash!: string | null;
}
