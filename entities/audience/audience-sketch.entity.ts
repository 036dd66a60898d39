import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The distinct-visitor sketch (HyperLogLog, src/lib/hyperloglog.ts) of one Europe/Paris day
 * and one scope (0 = whole site, else a partner id) under one visitor-hash key (`period`): a day in
 * the 31 days before a month starts has a sketch under its own month's key and one under the next
 * month's (src/audience/audience-keys.ts). Sketches of days under the same key merge into
 * exact-union estimates; no visitor id is stored anywhere.
 */
@Entity({ name: 'audience_sketch' })
export class AudienceSketchEntity {
  /** 0 for the whole site, else the partner id. */
  @PrimaryColumn({ type: 'int' })
  scope!: number;

  /** The visitor-hash key the sketch's visitors were hashed under (`YYYY-MM`). */
  @PrimaryColumn({ type: 'varchar', length: 7 })
  period!: string;

  /** Europe/Paris calendar day. */
  @PrimaryColumn({ type: 'date' })
  day!: string;

  /** HyperLogLog.serialize(): sparse while small, 32 KiB dense at most. */
  @Column({ type: 'blob' })
  registers!: Buffer;
}
