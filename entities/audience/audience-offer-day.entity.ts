import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One offer's audience on one Europe/Paris day: events counted as they arrive (additive upserts),
 * never the events themselves. Keyed (offer, day) so that an offer's last 30 days is one index
 * range. No foreign key to `offer`: the counts are history, written at ingestion speed, and an
 * offer is never deleted anyway.
 */
@Entity({ name: 'audience_offer_day' })
export class AudienceOfferDayEntity {
  @PrimaryColumn({ name: 'offer_id', type: 'int' })
  offerId!: number;

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
