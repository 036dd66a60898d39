import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The distinct-visitor sketch (HyperLogLog, src/services/hyperloglog.ts) of one Europe/Paris day
 * and one scope (0 = whole site, else a partner id). Sketches of days hashed with the same monthly
 * secret merge into exact-union estimates for weeks and months; no visitor id is stored anywhere.
 */
@Entity({ name: 'audience_sketch' })
export class AudienceSketchEntity {
  /** 0 for the whole site, else the partner id. */
  @PrimaryColumn({ type: 'int' })
  scope!: number;

  /** Europe/Paris calendar day. */
  @PrimaryColumn({ type: 'date' })
  day!: string;

  /** HyperLogLog.serialize(): sparse while small, 32 KiB dense at most. */
  @Column({ type: 'blob' })
  registers!: Buffer;
}
