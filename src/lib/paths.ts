import fs from 'node:fs';
import path from 'node:path';

/**
 * The repository root, found by walking up to package.json, so that shipped data files
 * resolve the same way from `src/` (tests, ts) and from `dist/src/` (compiled server).
 */
export const PROJECT_ROOT: string = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + __dirname);
    dir = parent;
  }
  return dir;
})();

/** Shipped, read-only data the product needs at run time (referentials, demo offers). */
export const SHIPPED_DATA_DIR = path.join(PROJECT_ROOT, 'src', 'referentials', 'data');

/** Where the reference data of the shared workspace lives (build scripts and benchmarks only). */
export const SHARED_DATA_DIR = path.resolve(PROJECT_ROOT, '..', 'shared', 'data');
