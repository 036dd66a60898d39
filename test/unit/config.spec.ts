import { loadConfig, NO_CORS, parseCorsOrigins, parseDatabaseUrl } from '../../src/config';
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

describe('CORS_ORIGINS', () => {
  it('defaults to localhost origins in development and none in production', () => {
    expect(loadConfig({}).cors).toEqual({ any: false, origins: [], localhost: true });
    expect(loadConfig({ NODE_ENV: 'production' }).cors).toEqual(NO_CORS);
  });

  it('reads a list of origins, localhost, * or none', () => {
    expect(parseCorsOrigins('https://emploi.example.fr, http://intranet.example:8080/ ,localhost', 'production')).toEqual({
      any: false,
      origins: ['https://emploi.example.fr', 'http://intranet.example:8080'],
      localhost: true,
    });
    expect(parseCorsOrigins('*', 'production')).toEqual({ any: true });
    expect(parseCorsOrigins('none', 'development')).toEqual(NO_CORS);
  });

  it('fails fast on what is not an origin, and on * mixed with a list', () => {
    expect(() => parseCorsOrigins('https://emploi.example.fr/offres', 'production')).toThrow(/"https:\/\/emploi.example.fr\/offres" is not an origin/);
    expect(() => parseCorsOrigins('emploi.example.fr', 'production')).toThrow(/is not an origin/);
    expect(() => parseCorsOrigins('ftp://files.example', 'production')).toThrow(/is not an origin/);
    expect(() => parseCorsOrigins('*,https://emploi.example.fr', 'production')).toThrow(/stands alone/);
    expect(() => loadConfig({ CORS_ORIGINS: 'nope' })).toThrow(/CORS_ORIGINS/);
  });
});
