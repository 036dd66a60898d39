import type { MutationResolvers } from '../../src/__generated__/resolvers-types';
import { expectGlobalId } from '../../src/lib/ids';

export const createPartner: MutationResolvers['createPartner'] = (_parent, { input }, ctx) =>
  ctx.services.partners.create(ctx.scope, input);

export const suspendPartner: MutationResolvers['suspendPartner'] = (_parent, { id }, ctx) =>
  ctx.services.partners.setStatus(ctx.scope, expectGlobalId(id, 'Partner', 'id'), 'SUSPENDED');

export const reactivatePartner: MutationResolvers['reactivatePartner'] = (_parent, { id }, ctx) =>
  ctx.services.partners.setStatus(ctx.scope, expectGlobalId(id, 'Partner', 'id'), 'ACTIVE');
