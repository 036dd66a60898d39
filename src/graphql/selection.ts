import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * Whether the operation selects the field at `path` below the current field (e.g.
 * ['edges', 'node', 'description'] below Query.offers), through inline fragments and named
 * fragments alike. Directives (@skip/@include) are ignored: a field under one counts as selected,
 * which is the safe answer for "must this column be fetched?".
 */
export function selectsPath(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: readonly string[]): boolean {
  const search = (sets: SelectionSetNode[], depth: number): boolean => {
    if (depth === path.length) return true;
    const next: SelectionSetNode[] = [];
    const visit = (set: SelectionSetNode, seen: Set<string>) => {
      for (const selection of set.selections) {
        if (selection.kind === 'Field') {
          if (selection.name.value === path[depth]) {
            if (depth === path.length - 1) next.push({ kind: 'SelectionSet', selections: [] } as SelectionSetNode);
            else if (selection.selectionSet) next.push(selection.selectionSet);
          }
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
    return next.length > 0 && search(next, depth + 1);
  };
  const roots = info.fieldNodes.map((f: FieldNode) => f.selectionSet).filter((s): s is SelectionSetNode => !!s);
  return search(roots, 0);
}
