import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What one ingestion batch raised in one (scope, period, day) sketch: a small sparse sketch appended
 * without reading or locking the day's sketch, so concurrent batches never queue on it. Deltas are
 * folded into `audience_sketch` every few batches and once their day is over; reports merge the
 * sketch with its pending deltas, so the figures are the same either way.
 */
@Entity({ name: 'audience_sketch_delta' })
@Index('ix_audience_sketch_delta_scope_period_day', ['scope', 'period', 'day'])
export class AudienceSketchDeltaEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  /** 0 for the whole site, else the partner id. */
  @Column({ type: 'int' })
  scope!: number;

  /** The visitor-hash key (`YYYY-MM`) of the sketch this delta belongs to. */
  @Column({ type: 'varchar', length: 7 })
  period!: string;

  /** Europe/Paris calendar day. */
  @Column({ type: 'date' })
  day!: string;

  /** HyperLogLog.serialize() of the batch's registers for this scope and day (sparse). */
  @Column({ type: 'blob' })
  registers!: Buffer;
}
