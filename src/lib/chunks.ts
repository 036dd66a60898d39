/** `items` cut into consecutive slices of at most `size` items (the last one may be shorter). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new Error(`chunks of ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `items` read lazily in consecutive arrays of at most `size` items. */
export function* batches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  if (!(size >= 1)) throw new Error(`batches of ${size}`);
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
