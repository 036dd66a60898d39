import type { DataSource } from 'typeorm';
import { toDbDateTime } from '../db/sql';
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
        'UPDATE consent SET expired_at = ? WHERE expired_at IS NULL AND revoked_at IS NULL AND expires_at <= ?',
        [at, at],
      );
      const stale = await tx.rows<{ id: number }>(
        'SELECT cv.id FROM candidate_cv cv WHERE cv.updated_at < ? AND NOT EXISTS (SELECT 1 FROM consent c WHERE c.cv_id = cv.id AND c.revoked_at IS NULL AND c.expires_at > ?)',
        [cvCutoff, at],
      );
      let cvsDeleted = 0;
      for (let i = 0; i < stale.length; i += IDS_PER_STATEMENT) {
        const ids = stale.slice(i, i + IDS_PER_STATEMENT).map((r) => Number(r.id));
        const list = `(${ids.map(() => '?').join(', ')})`;
        for (const table of ['candidate_cv_term', 'candidate_contact', 'consent'])
          await tx.run(`DELETE FROM ${table} WHERE cv_id IN ${list}`, ids);
        cvsDeleted += await tx.run(`DELETE FROM candidate_cv WHERE id IN ${list}`, ids);
      }
      const accessLogRowsPurged = await tx.run('DELETE FROM cv_access_log WHERE accessed_at < ?', [logCutoff]);
      return { consentsExpired, cvsDeleted, accessLogRowsPurged };
    });
  }
}
