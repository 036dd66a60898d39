import { BadUserInputError } from '../errors';

/** Types that have global ids. */
export type NodeType = 'Offer' | 'Partner' | 'ApiKey' | 'CandidateCV' | 'Consent';
const NODE_TYPES: ReadonlySet<string> = new Set<NodeType>(['Offer', 'Partner', 'ApiKey', 'CandidateCV', 'Consent']);

/** Opaque global id: base64url("Type:localId"). */
export function toGlobalId(type: NodeType, id: number): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

/** Decodes a global id, or null if it is not one of ours. */
export function fromGlobalId(globalId: string): { type: NodeType; id: number } | null {
  if (typeof globalId !== 'string' || globalId.length > 64) return null;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const match = /^([A-Za-z]+):([1-9][0-9]{0,14})$/.exec(decoded);
  if (!match || !NODE_TYPES.has(match[1])) return null;
  return { type: match[1] as NodeType, id: Number(match[2]) };
}

/** The local id behind a global id of the expected type; throws BAD_USER_INPUT otherwise. */
export function expectGlobalId(globalId: string, type: NodeType, field: string): number {
  const parsed = fromGlobalId(globalId);
  if (!parsed || parsed.type !== type) throw new BadUserInputError(`${field}: "${globalId}" is not a ${type} id`, field);
  return parsed.id;
}

/** Like expectGlobalId but returns null for a malformed or foreign id (for lookups that answer null). */
export function localIdOf(globalId: string, type: NodeType): number | null {
  const parsed = fromGlobalId(globalId);
  return parsed && parsed.type === type ? parsed.id : null;
}
