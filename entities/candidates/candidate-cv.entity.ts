import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ContractType } from '../offers/offer.entity';

/** One professional experience of a CV, as stored (JSON) and as the API returns it. */
export interface CvExperience {
  title: string;
  employer: string | null;
  /** YYYY-MM-DD. */
  from: string | null;
  to: string | null;
  description: string | null;
}

/** One diploma or training of a CV. */
export interface CvEducation {
  title: string;
  level: string | null;
  year: number | null;
}

/**
 * A candidate's CV as the agency shares it with partners. Personal data under the GDPR, so:
 * - no contact detail here (name, email, phone live in candidate_contact, read only under a
 *   contact consent);
 * - `pseudonym` is a random id with no meaning outside the hub: the access log refers to the CV by
 *   it, so that the log survives an erasure without pointing back at the person;
 * - lists shown as they were given are JSON; the ones filtered on are also copied, normalised, into
 *   candidate_cv_term (index-backed), and keywords match `search_text` (see CandidateCvTermEntity).
 *
 * Index choice: partners page by (updated_at DESC, id DESC); the department filter and `near`
 * (bounding box on the coordinates) get their own index, like offers.
 */
@Entity({ name: 'candidate_cv' })
@Index('uq_candidate_cv_ref', ['candidateRef'], { unique: true })
@Index('uq_candidate_cv_pseudonym', ['pseudonym'], { unique: true })
@Index('ix_candidate_cv_keyset', ['updatedAt', 'id'])
@Index('ix_candidate_cv_department', ['departmentCode', 'updatedAt', 'id'])
@Index('ix_candidate_cv_geo', ['latitude', 'longitude'])
export class CandidateCvEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  /** Random UUID, the only reference to the CV that the access log keeps. */
  @Column({ type: 'varchar', length: 36 })
  pseudonym!: string;

  /** The agency's own reference for the candidate (one CV per candidate); never shown to partners. */
  @Column({ name: 'candidate_ref', type: 'varchar', length: 64 })
  candidateRef!: string;

  @Column({ type: 'varchar', length: 255 })
  headline!: string;

  @Column({ type: 'text', nullable: true })
  summary!: string | null;

  @Column({ type: 'json' })
  skills!: string[];

  @Column({ name: 'rome_codes', type: 'json' })
  romeCodes!: string[];

  @Column({ type: 'json' })
  experiences!: CvExperience[];

  @Column({ type: 'json' })
  education!: CvEducation[];

  @Column({ type: 'json' })
  languages!: string[];

  @Column({ name: 'driving_licences', type: 'json' })
  drivingLicences!: string[];

  @Column({ name: 'desired_contract_types', type: 'json' })
  desiredContractTypes!: ContractType[];

  @Column({ name: 'commune_code', type: 'varchar', length: 5 })
  communeCode!: string;

  @Column({ name: 'postal_code', type: 'varchar', length: 5, nullable: true })
  postalCode!: string | null;

  @Column({ type: 'varchar', length: 128 })
  city!: string;

  @Column({ name: 'department_code', type: 'varchar', length: 3 })
  departmentCode!: string;

  @Column({ name: 'region_code', type: 'varchar', length: 3 })
  regionCode!: string;

  @Column({ type: 'double', nullable: true })
  latitude!: number | null;

  @Column({ type: 'double', nullable: true })
  longitude!: number | null;

  /** How far the candidate would travel to work, in km. */
  @Column({ name: 'mobility_radius_km', type: 'int' })
  mobilityRadiusKm!: number;

  /** YYYY-MM-DD; null: available now. */
  @Column({ name: 'available_from', type: 'varchar', length: 10, nullable: true })
  availableFrom!: string | null;

  /** Headline, summary, skills and experience titles, lower-cased and accent-free, space-led (word-prefix LIKE). */
  @Column({ name: 'search_text', type: 'text' })
  searchText!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  /** Last publish/update: the retention job deletes CVs untouched for 2 years with no active consent. */
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
