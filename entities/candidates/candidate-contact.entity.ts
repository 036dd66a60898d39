import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { CandidateCvEntity } from './candidate-cv.entity';

/**
 * A candidate's contact details, kept apart from the CV: the read path selects them only for a
 * CV whose covering consent has shareContact (or for the agency), never by joining them in.
 */
@Entity({ name: 'candidate_contact' })
export class CandidateContactEntity {
  @PrimaryColumn({ name: 'cv_id', type: 'int' })
  cvId!: number;

  @OneToOne(() => CandidateCvEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cv_id', foreignKeyConstraintName: 'fk_candidate_contact_cv' })
  cv?: CandidateCvEntity;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name!: string | null;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  /** Digits with an optional leading +, separators removed. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  phone!: string | null;
}
