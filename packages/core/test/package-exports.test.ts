import path from 'node:path';
import { checkBuilt, loadBuilt, nodeMajor } from './built-package';

const uses = { '@gatecache/core': ['createCache', 'memoryStore'] };
const smoke = `
  const cache = createCache({ tiers: [memoryStore()] });
  await cache.set('response:k', { body: 'ok' });
  return (await cache.get('response:k')).body.toString();
`;

describe('@gatecache/core as a built package', () => {
  beforeAll(() => checkBuilt(path.resolve(__dirname, '..')));

  it('loads with require() and works', () => {
    const cjs = loadBuilt<string>('require', '@gatecache/core', uses, smoke);
    expect(cjs.result).toBe('ok');
    expect(cjs.names).toEqual(
      expect.arrayContaining(['createCache', 'memoryStore', 'encodeRecord', 'globMatcher']),
    );
  });

  it('loads with import, named exports included, and exposes the same names as require()', () => {
    const esm = loadBuilt<string>('import', '@gatecache/core', uses, smoke);
    const cjs = loadBuilt<string>('require', '@gatecache/core', uses, smoke);
    expect(esm.result).toBe('ok');
    expect(esm.names).toEqual(cjs.names);
    expect(cjs.hasModuleExports).toBe(false);
    expect(esm.hasModuleExports).toBe(nodeMajor >= 23);
  });
});
