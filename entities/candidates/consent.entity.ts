import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CandidateCvEntity } from './candidate-cv.entity';
import { PartnerEntity } from '../partners/partner.entity';

/**
 * A candidate's consent to share their CV, with every partner (partnerId null) or with one.
 * Append-only ledger: granting writes a new row; revoking sets revokedAt on that row; the retention
 * job sets expiredAt once expiresAt has passed. Rows are deleted only with their CV (erasure, or
 * retention of a CV untouched for 2 years). Visibility never trusts expiredAt: a consent covers a
 * partner while revokedAt is null and expiresAt is in the future.
 */
@Entity({ name: 'consent' })
@Index('ix_consent_cv', ['cvId', 'expiresAt'])
@Index('ix_consent_partner', ['partnerId'])
@Index('ix_consent_expires', ['expiresAt'])
export class ConsentEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ name: 'cv_id', type: 'int' })
  cvId!: number;

  @ManyToOne(() => CandidateCvEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cv_id', foreignKeyConstraintName: 'fk_consent_cv' })
  cv?: CandidateCvEntity;

  /** The one partner covered; null: every partner. */
  @Column({ name: 'partner_id', type: 'int', nullable: true })
  partnerId!: number | null;

  @ManyToOne(() => PartnerEntity, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'partner_id', foreignKeyConstraintName: 'fk_consent_partner' })
  partner?: PartnerEntity | null;

  /** The candidate also agreed to share name, email and phone. */
  @Column({ name: 'share_contact', type: 'boolean' })
  shareContact!: boolean;

  @Column({ name: 'granted_at', type: 'datetime', precision: 3 })
  grantedAt!: Date;

  /** At most 2 years after grantedAt (CNIL guidance for talent pools). */
  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;

  /** When the retention job recorded that expiresAt had passed. */
  @Column({ name: 'expired_at', type: 'datetime', precision: 3, nullable: true })
  expiredAt!: Date | null;
}
