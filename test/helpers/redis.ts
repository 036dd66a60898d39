/**
 * The Redis the shared-state suites use (TEST_REDIS_URL, default redis://127.0.0.1:6379), or null
 * when the global setup found none: the suites then run on process memory only, loudly, and
 * REQUIRE_REDIS=1 makes that a failure (test/helpers/global-setup.js).
 */
export function redisUrlForTests(): string | null {
  return process.env.PASSERELLE_TEST_REDIS === 'missing' ? null : process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
}
