import path from 'node:path';
import { checkBuilt, loadBuilt, nodeMajor } from '../../core/test/built-package';

// Both `import` and `require` users can load it, safe-stable-stringify included (see built-package.ts).
const uses = { '@gatecache/cache-key': ['createKeyer'] };
const smoke = `
  const body = { model: 'm', b: 1, a: 2 };
  return createKeyer({ tenantSecret: 's' }).key({ method: 'POST', url: '/v1/chat/completions', headers: {}, body }).key;
`;

describe('@gatecache/cache-key as a built package', () => {
  beforeAll(() => checkBuilt(path.resolve(__dirname, '..')));

  it('loads with require() and with import, exposing the same names', () => {
    const cjs = loadBuilt<string>('require', '@gatecache/cache-key', uses, smoke);
    const esm = loadBuilt<string>('import', '@gatecache/cache-key', uses, smoke);
    expect(cjs.result).toMatch(/^response:openai:chat\.completions:m:anon:[0-9a-f]{64}$/);
    expect(esm.result).toBe(cjs.result);
    expect(cjs.names).toEqual(
      expect.arrayContaining(['createKeyer', 'defaultKey', 'summaryKey', 'configKey', 'escapeKeyPart']),
    );
    expect(cjs.names).toEqual(expect.arrayContaining(['tenantHash', 'FIELD_RULES', 'KEY_FORMAT_VERSION']));
    expect(esm.names).toEqual(cjs.names);
    expect(cjs.hasModuleExports).toBe(false);
    expect(esm.hasModuleExports).toBe(nodeMajor >= 23);
  });
});
