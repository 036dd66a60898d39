import fs from 'node:fs';
import path from 'node:path';
import {
  CONFIG_VARIABLES,
  DEFAULT_BACKGROUND_SETTINGS,
  DEFAULT_QUERY_LIMITS,
  DEFAULT_SERVICE_SETTINGS,
  loadConfig,
  NO_CORS,
  parseCorsOrigins,
  parseDatabaseUrl,
  parseRedisUrl,
  parseReplicaUrls,
} from '../../src/config';

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

describe('DATABASE_REPLICA_URLS', () => {
  const primary = parseDatabaseUrl('mysql://app:pw@primary:3306/passerelle');

  it('adds read replicas of the primary, with the read-your-writes window and the retry delay', () => {
    expect(parseReplicaUrls(primary, undefined)).toEqual(primary);
    expect(
      parseReplicaUrls(primary, 'mysql://reader:pw@replica1:3306, mysql://reader:pw@replica2/passerelle', {
        DATABASE_READ_YOUR_WRITES_MS: '2000',
      }),
    ).toEqual({
      ...primary,
      replication: {
        replicas: [
          { host: 'replica1', port: 3306, user: 'reader', password: 'pw' },
          { host: 'replica2', port: 3306, user: 'reader', password: 'pw' },
        ],
        readYourWritesMs: 2000,
        retryMs: 5000,
      },
    });
    expect(loadConfig({ DATABASE_URL: 'mysql://root@p/passerelle', DATABASE_REPLICA_URLS: 'mysql://root@r' }).database).toMatchObject({
      replication: { replicas: [{ host: 'r' }] },
    });
  });

  it('refuses replicas of SQLite, of another database, or bad settings, naming the variable', () => {
    expect(() => parseReplicaUrls(parseDatabaseUrl(undefined), 'mysql://r/passerelle')).toThrow(/DATABASE_REPLICA_URLS needs a MySQL/);
    expect(() => parseReplicaUrls(primary, 'mysql://r/other')).toThrow(/names database other/);
    expect(() => parseReplicaUrls(primary, 'mysql://r', { DATABASE_REPLICA_RETRY_MS: '10' })).toThrow(/DATABASE_REPLICA_RETRY_MS/);
    expect(() => parseReplicaUrls(primary, 'mysql://r', { DATABASE_READ_YOUR_WRITES_MS: 'soon' })).toThrow(/DATABASE_READ_YOUR_WRITES_MS/);
  });
});

describe('keyword search settings', () => {
  const indexIntervalMsFromEnv = (env: NodeJS.ProcessEnv) => loadConfig(env).background.searchIndexIntervalMs;
  const maxLagSecondsFromEnv = (env: NodeJS.ProcessEnv) => loadConfig(env).background.searchIndexMaxLagSeconds;
  const syncBacklogFromEnv = (env: NodeJS.ProcessEnv) => loadConfig(env).services.searchSyncBacklog;
  const keywordCacheSecondsFromEnv = (env: NodeJS.ProcessEnv) => loadConfig(env).services.keywordCacheSeconds;

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

describe('timeouts', () => {
  it('default to 5 s per read statement and SQLite lock wait, 8 s per request, and read valid values (0: no limit)', () => {
    expect(loadConfig({}).databaseTimeouts).toEqual({ statementTimeoutMs: 5_000, busyTimeoutMs: 5_000 });
    expect(loadConfig({}).limits.requestTimeoutMs).toBe(8_000);
    const config = loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0', DB_BUSY_TIMEOUT_MS: '250', REQUEST_TIMEOUT_MS: '2000' });
    expect(config.databaseTimeouts).toEqual({ statementTimeoutMs: 0, busyTimeoutMs: 250 });
    expect(config.limits.requestTimeoutMs).toBe(2_000);
  });

  it.each([
    ['DB_STATEMENT_TIMEOUT_MS', '-1'],
    ['DB_STATEMENT_TIMEOUT_MS', '5s'],
    ['DB_BUSY_TIMEOUT_MS', '1.5'],
    ['REQUEST_TIMEOUT_MS', 'ten'],
  ])('refuse %s=%s at start-up, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name} must be a whole number of ms >= 0`));
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
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'sometimes' })).toThrow(
      'GRAPHQL_INTROSPECTION must be true or false, got "sometimes"',
    );
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
    expect(() => parseCorsOrigins('https://emploi.example.fr/offres', 'production')).toThrow(
      /"https:\/\/emploi.example.fr\/offres" is not an origin/,
    );
    expect(() => parseCorsOrigins('emploi.example.fr', 'production')).toThrow(/is not an origin/);
    expect(() => parseCorsOrigins('ftp://files.example', 'production')).toThrow(/is not an origin/);
    expect(() => parseCorsOrigins('*,https://emploi.example.fr', 'production')).toThrow(/stands alone/);
    expect(() => loadConfig({ CORS_ORIGINS: 'nope' })).toThrow(/CORS_ORIGINS/);
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

describe('REDIS_URL', () => {
  it('is off by default, reads redis:// URLs and a key prefix, and fails fast on anything else', () => {
    expect(loadConfig({}).redis).toEqual({ url: null, prefix: 'passerelle:' });
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'staging:' }).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'staging:',
    });
    expect(parseRedisUrl('rediss://cache.example:6380')).toBe('rediss://cache.example:6380');
    expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow(/REDIS_URL must be redis:\/\//);
    expect(() => parseRedisUrl('127.0.0.1:6379')).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ REDIS_PREFIX: 'bad prefix' })).toThrow(/REDIS_PREFIX/);
  });
});

/** A MariaDB primary with a replica: every variable is then read (the replicas' settings too). */
const EVERY_VARIABLE_READ = { DATABASE_URL: 'mysql://root@p/passerelle', DATABASE_REPLICA_URLS: 'mysql://root@r' };

/** The README's configuration table, row by row: the variables, their default, their meaning. */
function readmeConfigurationTable(): Array<{ names: string[]; default: string; description: string }> {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const lines = section.split('\n').filter((line) => line.startsWith('|'));
  return lines.slice(2).map((line) => {
    const [names, defaults, description] = line
      .slice(1, -1)
      .split(' | ')
      .map((cell) => cell.trim());
    return { names: [...names.matchAll(/`([^`]+)`/g)].map((m) => m[1]), default: defaults, description };
  });
}

/** Does a documented name (`QUERY_MAX_*_KEY`: a `*` stands for a part of the name) cover this variable? */
const covers = (documented: string, variable: string) => new RegExp(`^${documented.replace(/\*/g, '[A-Z_]+')}$`).test(variable);

describe('the configuration and the README', () => {
  it('the README table lists exactly CONFIG_VARIABLES, with their defaults and meanings', () => {
    expect(readmeConfigurationTable()).toEqual(CONFIG_VARIABLES);
  });

  it('loadConfig reads exactly the documented variables', () => {
    const read = new Set<string>();
    const env = new Proxy({ ...EVERY_VARIABLE_READ } as NodeJS.ProcessEnv, {
      get(target, name) {
        if (typeof name === 'string') read.add(name);
        return target[name as string];
      },
    });
    loadConfig(env);
    const documented = CONFIG_VARIABLES.flatMap((v) => v.names);
    expect([...read].filter((name) => !documented.some((d) => covers(d, name)))).toEqual([]);
    expect(documented.filter((d) => ![...read].some((name) => covers(d, name)))).toEqual([]);
  });

  it('each default the README states literally is what loadConfig does when the variable is unset', () => {
    const defaults = loadConfig({});
    let checked = 0;
    for (const row of CONFIG_VARIABLES) {
      const values = row.names.length === 1 ? [row.default] : row.default.split(', ');
      row.names.forEach((name, i) => {
        const literal = /^`([^`]+)`$/.exec(values[i] ?? '');
        if (!literal || name.includes('*')) return;
        expect({ name, config: loadConfig({ [name]: literal[1] }) }).toEqual({ name, config: defaults });
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('refuses a bad value of any setting at start-up, naming the variable (never a silent default)', () => {
    const freeText = ['NODE_ENV', 'PASSERELLE_ADMIN_KEY', 'REPORT_LINK_SECRET'];
    const read = new Set<string>();
    loadConfig(
      new Proxy({ ...EVERY_VARIABLE_READ } as NodeJS.ProcessEnv, {
        get: (target, name) => (typeof name === 'string' && read.add(name), target[name as string]),
      }),
    );
    for (const name of [...read].filter((n) => !freeText.includes(n))) {
      expect(() => loadConfig({ ...EVERY_VARIABLE_READ, [name]: 'not a valid value?' })).toThrow(name);
    }
  });

  it('has the services and timers take their defaults when nothing is set', () => {
    expect(loadConfig({}).services).toEqual(DEFAULT_SERVICE_SETTINGS);
    expect(loadConfig({}).background).toEqual(DEFAULT_BACKGROUND_SETTINGS);
    expect(loadConfig({ AUDIENCE_MAX_EVENT_AGE_DAYS: '31', REPORT_LINK_TTL_SECONDS: '60' }).services).toMatchObject({
      audienceMaxEventAgeDays: 31,
      reportLinkTtlSeconds: 60,
    });
    expect(() => loadConfig({ AUDIENCE_MAX_EVENT_AGE_DAYS: '0' })).toThrow(/AUDIENCE_MAX_EVENT_AGE_DAYS/);
    expect(() => loadConfig({ REPORT_LINK_TTL_SECONDS: '1.5' })).toThrow(/REPORT_LINK_TTL_SECONDS/);
    expect(() => loadConfig({ SYNDICATION_WEBHOOK_ALLOW_LOOPBACK: 'maybe' })).toThrow(/SYNDICATION_WEBHOOK_ALLOW_LOOPBACK/);
  });
});
