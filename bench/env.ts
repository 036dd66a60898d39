/** A positive number from the environment (`fallback` when unset or empty); anything else stops the benchmark, naming the variable. */
export function positiveNumberEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${name} must be a positive number, got ${value}`);
  return n;
}
