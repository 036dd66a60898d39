import { parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { selectedFields } from '../../src/graphql/selection';

function infoOf(query: string) {
  const doc = parse(query);
  const op = doc.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((f) => [f.name.value, f]),
  );
  return { fieldNodes: [op.selectionSet.selections[0] as FieldNode], fragments };
}

/** Whether the operation selects the field at `path` (its last element), as the offers resolver asks. */
const selectsPath = (info: ReturnType<typeof infoOf>, path: string[]) =>
  selectedFields(info, path.slice(0, -1))?.has(path.at(-1)!) ?? false;

describe('selectedFields', () => {
  const path = ['edges', 'node', 'description'];
  it('finds a field selected directly', () => {
    expect(selectsPath(infoOf('{ offers { edges { node { id description } } } }'), path)).toBe(true);
    expect(selectsPath(infoOf('{ offers { edges { node { id title } } totalCount } }'), path)).toBe(false);
  });
  it('finds it through inline and named fragments, even nested ones', () => {
    expect(selectsPath(infoOf('{ offers { edges { node { ... on Offer { description } } } } }'), path)).toBe(true);
    expect(
      selectsPath(
        infoOf(
          '{ offers { ...Page } } fragment Page on OfferConnection { edges { node { ...Card } } } fragment Card on Offer { description }',
        ),
        path,
      ),
    ).toBe(true);
    expect(selectsPath(infoOf('{ offers { ...Page } } fragment Page on OfferConnection { edges { node { title } } }'), path)).toBe(false);
  });
  it('does not confuse a field of the same name elsewhere', () => {
    expect(selectsPath(infoOf('{ offers { edges { node { partner { name } } } } }'), ['edges', 'node', 'name'])).toBe(false);
  });
});
