/**
 * Runs once before the test run: checks whether MariaDB/MySQL is reachable, so that the MariaDB
 * suites either run, or skip loudly, or (REQUIRE_MYSQL=1) fail the run instead of skipping.
 */
const mysql = require('mysql2/promise');

/** The same for Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379): the shared-state suites. */
async function checkRedis() {
  const Redis = require('ioredis');
  const url = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    process.env.PASSERELLE_TEST_REDIS = 'available';
  } catch (err) {
    const message = `Redis is not reachable at ${url} (${err.code || err.message}).`;
    if (process.env.REQUIRE_REDIS === '1')
      throw new Error(`${message} REQUIRE_REDIS=1, so the run fails instead of skipping the Redis suites.`);
    process.env.PASSERELLE_TEST_REDIS = 'missing';
    const bar = '!'.repeat(100);
    console.warn(`\n${bar}\n!!! ${message}\n!!! THE REDIS SUITES RUN ON PROCESS MEMORY ONLY.\n${bar}\n`);
  } finally {
    redis.disconnect();
  }
}

module.exports = async () => {
  await checkRedis();
  // The same rule as testDatabasePrefix() in test-hub.ts: a bad prefix fails the run at once.
  const prefix = process.env.TEST_DATABASE_PREFIX;
  if (prefix !== undefined && prefix !== '' && !/^[A-Za-z0-9_$]{1,32}$/.test(prefix)) {
    throw new Error(`TEST_DATABASE_PREFIX must be 1 to 32 letters, digits, _ or $ (a MariaDB database name prefix), got "${prefix}"`);
  }
  const url = new URL(process.env.TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/');
  try {
    const conn = await mysql.createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password || ''),
      connectTimeout: 3000,
    });
    await conn.query('SELECT 1');
    await conn.end();
    process.env.PASSERELLE_TEST_MYSQL = 'available';
  } catch (err) {
    const message = `MariaDB/MySQL is not reachable at ${url.host} (${err.code || err.message}).`;
    if (process.env.REQUIRE_MYSQL === '1') {
      throw new Error(`${message} REQUIRE_MYSQL=1, so the run fails instead of skipping the MariaDB suites.`);
    }
    process.env.PASSERELLE_TEST_MYSQL = 'missing';
    const bar = '!'.repeat(100);
    console.warn(
      `\n${bar}\n!!! ${message}\n!!! THE MARIADB SUITES ARE SKIPPED. Start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd\n${bar}\n`,
    );
  }
};
