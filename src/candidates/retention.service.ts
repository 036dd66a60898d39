import type { DataSource } from 'typeorm';
import { inList, sql, toDbDateTime } from '../db/sql';
import { chunks } from '../lib/chunks';
import { withTransaction } from '../db/transaction';
import { addYears } from './candidate.service';
import { CV_LIMITS, type RetentionReport } from './candidate.types';

/** CVs deleted per statement. */
const IDS_PER_STATEMENT = 500;

/**
 * The GDPR storage limits of candidate data, applied by `npm run retention` and by the server's
 * timer: consents past expiresAt are marked expired (they already stopped counting at that
 * instant), CVs with no active consent and no update for 2 years are deleted with their contact,
 * terms and consent history, and access-log rows older than 1 year are purged. Idempotent.
 */
export class RetentionService {
  constructor(private readonly dataSource: DataSource) {}

  /** Applies the limits as of `now` and reports what it removed. */
  async run(now: Date = new Date()): Promise<RetentionReport> {
    const at = toDbDateTime(now);
    const cvCutoff = toDbDateTime(addYears(now, -CV_LIMITS.cvRetentionYears));
    const logCutoff = toDbDateTime(addYears(now, -CV_LIMITS.accessLogRetentionYears));
    return withTransaction(this.dataSource, async (tx) => {
      const consentsExpired = await tx.run(
        sql`UPDATE consent SET expired_at = ${at} WHERE expired_at IS NULL AND revoked_at IS NULL AND expires_at <= ${at}`,
      );
      const stale = await tx.rows<{ id: number }>(
        sql`SELECT cv.id FROM candidate_cv cv WHERE cv.updated_at < ${cvCutoff} AND NOT EXISTS (SELECT 1 FROM consent c WHERE c.cv_id = cv.id AND c.revoked_at IS NULL AND c.expires_at > ${at})`,
      );
      let cvsDeleted = 0;
      for (const chunk of chunks(stale, IDS_PER_STATEMENT)) {
        const ids = inList(chunk.map((r) => Number(r.id)));
        await tx.run(sql`DELETE FROM candidate_cv_term WHERE cv_id IN ${ids}`);
        await tx.run(sql`DELETE FROM candidate_contact WHERE cv_id IN ${ids}`);
        await tx.run(sql`DELETE FROM consent WHERE cv_id IN ${ids}`);
        cvsDeleted += await tx.run(sql`DELETE FROM candidate_cv WHERE id IN ${ids}`);
      }
      const accessLogRowsPurged = await tx.run(sql`DELETE FROM cv_access_log WHERE accessed_at < ${logCutoff}`);
      return { consentsExpired, cvsDeleted, accessLogRowsPurged };
    });
  }
}
