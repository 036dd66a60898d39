import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

/** The demo keys `npm start` prints, offered in GraphiQL's tabs as header examples. */
export interface DemoKeys {
  agencyKey: string;
  partnerKey: string | null;
  partnerName: string | null;
}

const EXAMPLE_QUERY = `# Public offer search (no key needed). Ctrl-Enter runs it.
query PublicSearch {
  offers(first: 5, filter: { departmentCodes: ["74"] }) {
    totalCount
    edges { node { id title contractType partner { name } location { city } } }
  }
}
`;

/**
 * GraphiQL for browsers at GET /graphql (development only): the prebuilt, self-contained bundle of
 * @graphql-yoga/render-graphiql (scripts, styles and editor workers inlined in the page), so it
 * works on a closed network; nothing is fetched from a CDN. With demo keys, one tab per key shows
 * them as `Authorization` header examples.
 */
export class GraphiqlPage {
  private html: string | null = null;
  private demoKeys: DemoKeys | null = null;

  constructor(private readonly endpoint: string) {}

  setDemoKeys(keys: DemoKeys | null): void {
    this.demoKeys = keys;
    this.html = null;
  }

  /** The page (rendered once per set of demo keys: the bundle is 9 MB). */
  render(): string {
    if (this.html === null) {
      const tabs = [{ query: EXAMPLE_QUERY, headers: '{}' }];
      const keys = this.demoKeys;
      if (keys) {
        tabs.push({
          query: `# As the agency: the demo AGENCY key (new at each start) is in Headers below\nquery AsAgency { viewer { role } hubStats { activeOffers } }\n`,
          headers: JSON.stringify({ Authorization: `Bearer ${keys.agencyKey}` }, null, 2),
        });
        if (keys.partnerKey) {
          tabs.push({
            query: `# As ${keys.partnerName ?? 'a partner'}: the demo PARTNER key is in Headers below\nquery AsPartner { viewer { role partner { name } } }\n`,
            headers: JSON.stringify({ Authorization: `Bearer ${keys.partnerKey}` }, null, 2),
          });
        }
      }
      this.html = renderGraphiQL({
        title: 'Passerelle GraphiQL',
        endpoint: this.endpoint,
        defaultQuery: EXAMPLE_QUERY,
        defaultTabs: tabs,
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: 'headers',
      });
    }
    return this.html;
  }
}
