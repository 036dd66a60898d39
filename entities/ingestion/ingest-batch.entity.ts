import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The stored outcome of an upsertOffers call made with a batchId: a retry with the same batchId
 * and the same payload gets this response back without writing again; a different payload under
 * the same batchId is a conflict. Scoped per publisher (partner id, or 0 for the agency).
 */
@Entity({ name: 'ingest_batch' })
@Index('uq_ingest_batch', ['publisherKey', 'batchId'], { unique: true })
@Index('ix_ingest_batch_created', ['createdAt'])
export class IngestBatchEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  /** partner id, or 0 for the agency. */
  @Column({ name: 'publisher_key', type: 'int' })
  publisherKey!: number;

  @Column({ name: 'batch_id', type: 'varchar', length: 128 })
  batchId!: string;

  /** SHA-256 of the canonical payload. */
  @Column({ name: 'payload_hash', type: 'varchar', length: 64 })
  payloadHash!: string;

  /** The call's response (offers referenced by id, re-read on replay). JSON: LONGTEXT on MariaDB. */
  @Column({ type: 'json' })
  response!: unknown;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
