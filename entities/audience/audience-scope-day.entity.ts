import { Column, Entity, PrimaryColumn } from 'typeorm';

/** `scope` of the whole site's rows; any other value is a partner id. */
export const SITE_SCOPE = 0;

/**
 * Audience counts per Europe/Paris day for the whole site (scope 0) and for each partner (scope =
 * partner id): what reports read, so that a month costs about 30 rows whatever the number of offers.
 */
@Entity({ name: 'audience_scope_day' })
export class AudienceScopeDayEntity {
  /** 0 for the whole site, else the partner id. */
  @PrimaryColumn({ type: 'int' })
  scope!: number;

  /** Europe/Paris calendar day. */
  @PrimaryColumn({ type: 'date' })
  day!: string;

  @Column({ type: 'int', default: 0 })
  impressions!: number;

  @Column({ type: 'int', default: 0 })
  views!: number;

  @Column({ name: 'apply_clicks', type: 'int', default: 0 })
  applyClicks!: number;
}
