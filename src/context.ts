import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createLoaders, type Loaders } from './loaders';
import type { Services } from './services';

/** What every resolver receives: the services, this request's own loaders, and its instant. */
export interface GraphQLContext {
  requestId: string;
  /** One instant for the whole request: visibility (validThrough) is judged against it. */
  now: Date;
  services: Services;
  loaders: Loaders;
}

/** Builds the context of one request: fresh loaders, never shared with another request. */
export function buildContext(services: Services, req?: IncomingMessage): GraphQLContext {
  const now = new Date();
  const header = req?.headers['x-request-id'];
  const requestId = typeof header === 'string' && /^[\w-]{1,64}$/.test(header) ? header : randomUUID();
  return { requestId, now, services, loaders: createLoaders(services, now) };
}
