import type { CvAccessField } from '../../entities';

/** One access-log row to write: everything but the request id and the instant, known at flush. */
export interface PendingCvAccess {
  partnerId: number;
  apiKeyId: number | null;
  cvPseudonym: string;
  consentId: number | null;
  field: CvAccessField;
}

/**
 * Collects, during one request, what the response will disclose about CVs: the partner reads to
 * log (each CV and field once, however many times the query names it) and whether any CV data is
 * in the response at all (it then must not be cached). Flushed by the cv-access-log plugin in one
 * INSERT before the response leaves. One per request, never shared.
 */
export class CvAccessRecorder {
  private readonly pending = new Map<string, PendingCvAccess>();
  private disclosed = false;

  /** The response carries CV data (any viewer): it gets `Cache-Control: no-store`. */
  markCvData(): void {
    this.disclosed = true;
  }

  get containsCvData(): boolean {
    return this.disclosed;
  }

  /** A partner read this field of this CV under this consent; recorded once per request. */
  record(access: PendingCvAccess): void {
    this.disclosed = true;
    const key = `${access.cvPseudonym}:${access.field}`;
    if (!this.pending.has(key)) this.pending.set(key, access);
  }

  /** The reads recorded so far, in the order first seen. */
  entries(): PendingCvAccess[] {
    return [...this.pending.values()];
  }

  /** Forgets the recorded reads (once they are written). */
  clear(): void {
    this.pending.clear();
  }
}
