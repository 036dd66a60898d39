import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PartnerEntity } from './partner.entity';

export type ApiKeyRole = 'PARTNER' | 'AGENCY';

/**
 * An API key. The key itself is shown once at issue time and never stored: only its SHA-256
 * (keys are 190 random bits, so a fast hash is safe) and a short visible prefix to find it by.
 */
@Entity({ name: 'api_key' })
@Index('uq_api_key_prefix', ['prefix'], { unique: true })
@Index('ix_api_key_partner', ['partnerId'])
export class ApiKeyEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  /** The first characters of the key (`psk_` + 8), shown in listings to tell keys apart. */
  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  /** Hex SHA-256 of the whole key. */
  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: ApiKeyRole;

  /** The partner a PARTNER key acts for; null for AGENCY keys. */
  @Column({ name: 'partner_id', type: 'int', nullable: true })
  partnerId!: number | null;

  @ManyToOne(() => PartnerEntity, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'partner_id', foreignKeyConstraintName: 'fk_api_key_partner' })
  partner?: PartnerEntity | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  label!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'datetime', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;

  /** The key stops working at this instant (set at issue time; null: until revoked). */
  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true })
  expiresAt!: Date | null;
}
