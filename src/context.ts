import type { RequestScope } from './auth/request-scope';
import type { ExecutionResult } from 'graphql';
import { PUBLIC_VIEWER, type Viewer } from './auth/viewer';
import { createLoaders, type Loaders } from './loaders';
import { createLogger, requestIdFrom, type Logger } from './logger';
import type { HubMetrics, RequestRecord } from './metrics';
import type { Services } from './services';
import { CvAccessRecorder } from './candidates/cv-access-recorder';

/** What every resolver receives: who calls, the services, this request's own loaders, its instant. */
export interface GraphQLContext {
  /** Echoed in the X-Request-Id header, in error extensions and in every log line of the request. */
  requestId: string;
  /** The request's logger (carries requestId). */
  log: Logger;
  /** What the request did, for the metrics (operation, error codes); and the hub's metrics. */
  record: RequestRecord;
  metrics: HubMetrics | null;
  /** Who calls, the request's instant and its CV reads: what every service method that needs the caller takes. */
  scope: RequestScope;
  /** scope.viewer (the query-limit and read-routing plugins read it). */
  viewer: Viewer;
  /** scope.now: one instant for the whole request, visibility (validThrough) is judged against it. */
  now: Date;
  services: Services;
  loaders: Loaders;
  /** scope.cvAccess: the CV reads of this request, written to the access log before the response leaves. */
  cvAccess: CvAccessRecorder;
  /** The operation's estimated cost (src/graphql/query-limits.ts), once measured. */
  queryCost?: number;
  /**
   * The result the lean path (src/graphql/lean-executor.ts) got with errors: Apollo's executor
   * answers it as its own instead of executing again (errors then formatted and logged by Apollo).
   */
  leanResult?: ExecutionResult;
}

const SILENT = createLogger('silent');

/** Builds the context of one request: fresh loaders, never shared with another request. */
export function buildContext(
  services: Services,
  viewer: Viewer = PUBLIC_VIEWER,
  request: { requestId?: string; log?: Logger; record?: RequestRecord; metrics?: HubMetrics | null; now?: Date } = {},
): GraphQLContext {
  const now = request.now ?? new Date();
  const requestId = request.requestId ?? requestIdFrom(undefined);
  const scope: RequestScope = { viewer, now, cvAccess: new CvAccessRecorder() };
  const { cvAccess } = scope;
  return {
    requestId,
    log: request.log ?? SILENT,
    record: request.record ?? { route: 'graphql', operation: null, errorCodes: [] },
    metrics: request.metrics ?? null,
    scope,
    viewer,
    now,
    services,
    cvAccess,
    loaders: createLoaders(services, now, scope),
  };
}
