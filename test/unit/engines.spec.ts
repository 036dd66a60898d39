import fs from 'node:fs';
import path from 'node:path';

// semver is npm's own range logic (in the tree through many packages; no types needed for two calls).
const semver = require('semver') as { subset(sub: string, dom: string): boolean; validRange(range: string): string | null };

const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

/**
 * `npm install` warns EBADENGINE for every locked package whose engines.node the running Node does
 * not satisfy (issue 19: 13 warnings on Node 20). Every Node version the project declares must
 * satisfy every locked package's range, so that no supported Node gets a warning.
 */
describe('Node engines', () => {
  it('the project declares a valid range that includes Node 20', () => {
    expect(semver.validRange(pkg.engines.node)).not.toBeNull();
    expect(semver.subset('20.19.0', pkg.engines.node)).toBe(true);
  });

  it('every locked package supports every Node version the project declares', () => {
    const unsupported = Object.entries(lock.packages)
      .filter(([where, entry]) => where !== '' && entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
      .filter(([, entry]) => !semver.subset(pkg.engines.node, (entry.engines as { node: string }).node))
      .map(([where, entry]) => `${where}@${entry.version} wants node ${(entry.engines as { node: string }).node}`);
    expect(unsupported).toEqual([]);
  });
});
