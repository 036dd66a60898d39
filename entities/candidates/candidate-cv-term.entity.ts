import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CandidateCvEntity } from './candidate-cv.entity';

/** What a term is: a ROME code, a normalised skill, or a desired contract type. */
export type CvTermKind = 'ROME' | 'SKILL' | 'CONTRACT';

/**
 * The multi-valued attributes of a CV that partners filter on, one row per value, so that
 * `romeCodes`, `skills` and `contractTypes` filters are index lookups rather than scans of JSON.
 * Written with the CV (replaced on update), deleted with it.
 *
 * `department_code` repeats the CV's own (rewritten with the terms whenever the CV changes) so that
 * the commonest partner search, a ROME code within a department, reads exactly the matching rows
 * from one index range (kind, value, department) instead of every CV of the occupation.
 * `cv_updated_at` repeats the CV's updated_at (rewritten the same way) so that a search by one ROME
 * code alone walks (kind, value, cv_updated_at) newest first and stops after a page, instead of
 * reading and sorting every CV of a common occupation.
 */
@Entity({ name: 'candidate_cv_term' })
@Index('ix_candidate_cv_term_department', ['kind', 'value', 'departmentCode', 'cvId'])
@Index('ix_candidate_cv_term_recent', ['kind', 'value', 'cvUpdatedAt', 'cvId'])
export class CandidateCvTermEntity {
  @PrimaryColumn({ name: 'cv_id', type: 'int' })
  cvId!: number;

  @PrimaryColumn({ type: 'varchar', length: 8 })
  kind!: CvTermKind;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  value!: string;

  /** The CV's department_code (a copy, for ix_candidate_cv_term_department). */
  @Column({ name: 'department_code', type: 'varchar', length: 3 })
  departmentCode!: string;

  /** The CV's updated_at (a copy, for ix_candidate_cv_term_recent). */
  @Column({ name: 'cv_updated_at', type: 'datetime', precision: 3 })
  cvUpdatedAt!: Date;

  @ManyToOne(() => CandidateCvEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cv_id', foreignKeyConstraintName: 'fk_candidate_cv_term_cv' })
  cv?: CandidateCvEntity;
}
