import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>;

/**
 * The names of the fields the operation selects at `path` below the current field (e.g. the Offer
 * fields at ['edges', 'node'] below Query.offers), through inline and named fragments alike, or
 * null when nothing is selected there. Directives (@skip/@include) are ignored: a field under one
 * counts as selected, which is the safe answer for "must this column be fetched?".
 */
export function selectedFields(info: SelectionInfo, path: readonly string[]): Set<string> | null {
  let sets: SelectionSetNode[] = info.fieldNodes.map((f: FieldNode) => f.selectionSet).filter((s): s is SelectionSetNode => !!s);
  const names = new Set<string>();
  for (let depth = 0; depth <= path.length; depth++) {
    const next: SelectionSetNode[] = [];
    const visit = (set: SelectionSetNode, seen: Set<string>) => {
      for (const selection of set.selections) {
        if (selection.kind === 'Field') {
          if (depth === path.length) names.add(selection.name.value);
          else if (selection.name.value === path[depth] && selection.selectionSet) next.push(selection.selectionSet);
        } else if (selection.kind === 'InlineFragment') {
          visit(selection.selectionSet, seen);
        } else if (!seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment: FragmentDefinitionNode | undefined = info.fragments[selection.name.value];
          if (fragment) visit(fragment.selectionSet, seen);
        }
      }
    };
    for (const set of sets) visit(set, new Set());
    if (depth === path.length) break;
    if (next.length === 0) return null;
    sets = next;
  }
  return names.size ? names : null;
}

/** Whether the operation selects the field at `path` (its last element) below the current field. */
export function selectsPath(info: SelectionInfo, path: readonly string[]): boolean {
  return selectedFields(info, path.slice(0, -1))?.has(path[path.length - 1]) ?? false;
}

/**
 * selectedOfferFields by the field nodes asked about: a compiled query (graphql-jit, the lean path)
 * passes the same nodes every time it runs, and a page would walk its selection on every request.
 * (graphql-js makes new nodes lists per execution: those just miss, and go with their document.)
 */
const offerFieldsOf = new WeakMap<readonly FieldNode[], ReadonlySet<string>>();

/**
 * The Offer fields a connection's page shows (at edges.node; `id` when none), with
 * `location.<field>` for each Location field it shows: a page reads only their columns.
 */
export function selectedOfferFields(info: SelectionInfo): ReadonlySet<string> {
  const known = offerFieldsOf.get(info.fieldNodes);
  if (known) return known;
  const fields = selectedFields(info, ['edges', 'node']) ?? new Set(['id']);
  if (fields.has('location'))
    for (const field of selectedFields(info, ['edges', 'node', 'location']) ?? []) fields.add(`location.${field}`);
  offerFieldsOf.set(info.fieldNodes, fields);
  return fields;
}
