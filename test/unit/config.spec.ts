import { loadConfig, parseDatabaseUrl } from '../../src/config';
import { keywordCacheSecondsFromEnv } from '../../src/services/count-cache';
import { indexIntervalMsFromEnv, maxLagSecondsFromEnv, syncBacklogFromEnv } from '../../src/services/offer-search-index';

describe('parseDatabaseUrl', () => {
  it('defaults to the embedded SQLite file and reads sqlite: paths', () => {
    expect(parseDatabaseUrl(undefined)).toMatchObject({ type: 'sqlite' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ type: 'sqlite', path: ':memory:' });
  });

  it('reads mysql:// and mariadb:// URLs, with an optional Unix socket', () => {
    expect(parseDatabaseUrl('mysql://app:s%40cret@db.example:3307/passerelle')).toEqual({
      type: 'mysql', host: 'db.example', port: 3307, user: 'app', password: 's@cret', database: 'passerelle',
    });
    expect(parseDatabaseUrl('mariadb://root@localhost/passerelle?socket=/run/mysqld/mysqld.sock')).toMatchObject({
      type: 'mysql', database: 'passerelle', socketPath: '/run/mysqld/mysqld.sock',
    });
  });

  it('refuses what it cannot use, saying why', () => {
    expect(() => parseDatabaseUrl('postgres://x/y')).toThrow(/mysql:\/\//);
    expect(() => parseDatabaseUrl('mysql://root@localhost/')).toThrow(/must name a database/);
    expect(() => parseDatabaseUrl('mysql://root@localhost/p?ssl=true')).toThrow(/unknown parameter "ssl"/);
  });
});

describe('keyword search settings', () => {
  it('take their defaults when unset and read valid values', () => {
    expect(indexIntervalMsFromEnv({})).toBe(1_000);
    expect(maxLagSecondsFromEnv({})).toBe(60);
    expect(syncBacklogFromEnv({})).toBe(5_000);
    expect(keywordCacheSecondsFromEnv({})).toBe(60);
    expect(indexIntervalMsFromEnv({ SEARCH_INDEX_INTERVAL_MS: '250' })).toBe(250);
    expect(maxLagSecondsFromEnv({ SEARCH_INDEX_MAX_LAG_SECONDS: '0' })).toBe(0);
    expect(syncBacklogFromEnv({ SEARCH_SYNC_BACKLOG: '0' })).toBe(0);
    expect(keywordCacheSecondsFromEnv({ KEYWORD_CACHE_SECONDS: '0' })).toBe(0);
  });

  it('refuse values that make no sense, naming the variable', () => {
    expect(() => indexIntervalMsFromEnv({ SEARCH_INDEX_INTERVAL_MS: '5' })).toThrow(/SEARCH_INDEX_INTERVAL_MS.*>= 10/);
    expect(() => maxLagSecondsFromEnv({ SEARCH_INDEX_MAX_LAG_SECONDS: '-1' })).toThrow(/SEARCH_INDEX_MAX_LAG_SECONDS/);
    expect(() => syncBacklogFromEnv({ SEARCH_SYNC_BACKLOG: '1.5' })).toThrow(/SEARCH_SYNC_BACKLOG/);
    expect(() => keywordCacheSecondsFromEnv({ KEYWORD_CACHE_SECONDS: 'soon' })).toThrow(/KEYWORD_CACHE_SECONDS/);
  });
});

describe('GRAPHQL_INTROSPECTION', () => {
  it('is off by default in production, on elsewhere, and follows the setting', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).introspection).toBe(false);
    expect(loadConfig({}).introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).introspection).toBe(false);
  });

  it('fails fast on a value that is not a boolean, naming the variable', () => {
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'sometimes' })).toThrow('GRAPHQL_INTROSPECTION must be true or false, got "sometimes"');
  });
});
