import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What a partner read: the CV (SUMMARY) or its contact details (CONTACT). */
export type CvAccessField = 'SUMMARY' | 'CONTACT';

/**
 * Append-only record of a partner reading a CV: who (partner, API key), which CV (its pseudonym
 * only, never its content), under which consent, what, when. No foreign keys on purpose: the rows
 * outlive the CV and its consents (erasure), and are purged after 1 year by the retention job.
 */
@Entity({ name: 'cv_access_log' })
@Index('ix_cv_access_log_cv', ['cvPseudonym', 'accessedAt'])
@Index('ix_cv_access_log_partner', ['partnerId', 'accessedAt'])
@Index('ix_cv_access_log_at', ['accessedAt'])
export class CvAccessLogEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ name: 'partner_id', type: 'int' })
  partnerId!: number;

  @Column({ name: 'api_key_id', type: 'int', nullable: true })
  apiKeyId!: number | null;

  @Column({ name: 'cv_pseudonym', type: 'varchar', length: 36 })
  cvPseudonym!: string;

  /** The consent that allowed the read (the row is gone after an erasure). */
  @Column({ name: 'consent_id', type: 'int', nullable: true })
  consentId!: number | null;

  @Column({ type: 'varchar', length: 8 })
  field!: CvAccessField;

  @Column({ name: 'request_id', type: 'varchar', length: 64 })
  requestId!: string;

  @Column({ name: 'accessed_at', type: 'datetime', precision: 3 })
  accessedAt!: Date;
}
