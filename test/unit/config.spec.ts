import { DEFAULT_QUERY_LIMITS, loadConfig, parseDatabaseUrl } from '../../src/config';
import { keywordCacheSecondsFromEnv } from '../../src/services/count-cache';
import { indexIntervalMsFromEnv, maxLagSecondsFromEnv, syncBacklogFromEnv } from '../../src/services/offer-search-index';

describe('parseDatabaseUrl', () => {
  it('defaults to the embedded SQLite file and reads sqlite: paths', () => {
    expect(parseDatabaseUrl(undefined)).toMatchObject({ type: 'sqlite' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ type: 'sqlite', path: ':memory:' });
  });

  it('reads mysql:// and mariadb:// URLs, with an optional Unix socket', () => {
    expect(parseDatabaseUrl('mysql://app:s%40cret@db.example:3307/passerelle')).toEqual({
      type: 'mysql',
      host: 'db.example',
      port: 3307,
      user: 'app',
      password: 's@cret',
      database: 'passerelle',
    });
    expect(parseDatabaseUrl('mariadb://root@localhost/passerelle?socket=/run/mysqld/mysqld.sock')).toMatchObject({
      type: 'mysql',
      database: 'passerelle',
      socketPath: '/run/mysqld/mysqld.sock',
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

describe('operations settings (issue 14)', () => {
  it('have generous defaults, stricter for anonymous callers, and read overrides', () => {
    const config = loadConfig({});
    expect(config.queryLimits).toEqual(DEFAULT_QUERY_LIMITS);
    for (const limit of ['maxTokens', 'maxDepth', 'maxAliases', 'maxDirectives', 'maxCost', 'maxResponseBytes'] as const) {
      expect(config.queryLimits.anonymous[limit]).toBeLessThan(config.queryLimits.authenticated[limit]);
    }
    expect(loadConfig({ QUERY_MAX_COST_ANONYMOUS: '800', QUERY_MAX_DEPTH_KEY: '9' }).queryLimits).toMatchObject({
      anonymous: { maxCost: 800 },
      authenticated: { maxDepth: 9 },
    });
    expect(config.logLevel).toBe('info');
    expect(loadConfig({ NODE_ENV: 'test' }).logLevel).toBe('silent');
    expect(loadConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(config.metricsToken).toBeNull();
    expect(loadConfig({ METRICS_TOKEN: 'a-long-enough-token' }).metricsToken).toBe('a-long-enough-token');
    expect(config.fieldSuggestions).toBe(true);
    expect(config.graphiql).toBe(true);
    const production = loadConfig({ NODE_ENV: 'production' });
    expect(production.fieldSuggestions).toBe(false);
    expect(production.graphiql).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_FIELD_SUGGESTIONS: 'true' }).fieldSuggestions).toBe(true);
    expect(config.limits).toMatchObject({ authFailurePerSecond: 0.5, authFailureBurst: 20 });
  });

  it('fail fast on bad values, naming the variable', () => {
    expect(() => loadConfig({ QUERY_MAX_TOKENS_ANONYMOUS: '0' })).toThrow(/QUERY_MAX_TOKENS_ANONYMOUS/);
    expect(() => loadConfig({ QUERY_MAX_COST_KEY: 'lots' })).toThrow(/QUERY_MAX_COST_KEY/);
    expect(() => loadConfig({ QUERY_MAX_DEPTH_KEY: '2.5' })).toThrow(/QUERY_MAX_DEPTH_KEY/);
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ RATE_LIMIT_AUTH_FAILURE_BURST: '-3' })).toThrow(/RATE_LIMIT_AUTH_FAILURE_BURST/);
  });
});
