import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PUBLIC_VIEWER, type Viewer } from './auth/viewer';
import { createLoaders, type Loaders } from './loaders';
import type { Services } from './services';
import { CvAccessRecorder } from './services/cv-access-recorder';

/** What every resolver receives: who calls, the services, this request's own loaders, its instant. */
export interface GraphQLContext {
  requestId: string;
  viewer: Viewer;
  /** One instant for the whole request: visibility (validThrough) is judged against it. */
  now: Date;
  services: Services;
  loaders: Loaders;
  /** The CV reads of this request, written to the access log before the response leaves. */
  cvAccess: CvAccessRecorder;
  /** The operation's estimated cost (src/graphql/query-limits.ts), once measured. */
  queryCost?: number;
}

/** Builds the context of one request: fresh loaders, never shared with another request. */
export function buildContext(services: Services, req?: IncomingMessage, viewer: Viewer = PUBLIC_VIEWER): GraphQLContext {
  const now = new Date();
  const header = req?.headers['x-request-id'];
  const requestId = typeof header === 'string' && /^[\w-]{1,64}$/.test(header) ? header : randomUUID();
  const cvAccess = new CvAccessRecorder();
  return { requestId, viewer, now, services, cvAccess, loaders: createLoaders(services, now, { viewer, cvAccess }) };
}
