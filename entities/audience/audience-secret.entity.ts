import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The random secret that keys the visitor-id hash for one Europe/Paris calendar month. Created on
 * first use, deleted once no event of that month can be accepted any more (AUDIENCE_MAX_EVENT_AGE_DAYS
 * after the month ends): from then on nothing can link that month's sketches to a visitor id.
 */
@Entity({ name: 'audience_secret' })
export class AudienceSecretEntity {
  /** `YYYY-MM`. */
  @PrimaryColumn({ type: 'varchar', length: 7 })
  period!: string;

  /** 32 random bytes, hex. */
  @Column({ type: 'varchar', length: 64 })
  secret!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
