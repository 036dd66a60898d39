import { CvAccessRecorder } from '../candidates/cv-access-recorder';
import type { Viewer } from './viewer';

/**
 * One request's caller, handed the same way to every service method that needs to know who asks:
 * built once per request by buildContext (`ctx.scope`); services authorize from `viewer` (and
 * derive a Publisher from it), judge visibility against `now`, and record CV reads in `cvAccess`.
 */
export interface RequestScope {
  readonly viewer: Viewer;
  /** One instant for the whole request. */
  readonly now: Date;
  /** The CV reads of this request, written to the access log before the response leaves. */
  readonly cvAccess: CvAccessRecorder;
}

/** A scope for `viewer` at `now`, with a fresh CV access recorder (a request, a report page, a CLI, a test). */
export function requestScope(viewer: Viewer, now: Date = new Date()): RequestScope {
  return { viewer, now, cvAccess: new CvAccessRecorder() };
}
