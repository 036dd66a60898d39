import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type PartnerStatus = 'ACTIVE' | 'SUSPENDED';

/** A private job board that re-routes offers to the hub (Keljob, Meteojob, ...). */
@Entity({ name: 'partner' })
export class PartnerEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  /** Stable slug, e.g. `meteojob`. */
  @Index('uq_partner_code', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  code!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  website!: string | null;

  @Column({ name: 'logo_url', type: 'varchar', length: 500, nullable: true })
  logoUrl!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'ACTIVE' })
  status!: PartnerStatus;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
