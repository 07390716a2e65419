import path from 'node:path';
import { checkBuilt, loadBuilt } from '../../core/test/built-package';

// The names the README lists under "Exported names": a change to the public API fails here first.
const EXPORTED = [
  'DEFAULTS',
  'cacheAdmin',
  'createEventLog',
  'invalidateOnWrite',
  'redactConfig',
  'tierPolicyFromConfig',
];

const uses = { '@gatecache/admin': ['cacheAdmin'], '@gatecache/core': ['createCache', 'memoryStore'] };
const smoke = `
  const admin = cacheAdmin({ cache: createCache({ tiers: [memoryStore()] }), auth: false });
  admin.eventLog.push({ level: 'info', type: 'smoke' });
  const logged = admin.eventLog.list({ type: 'smoke' }).length;
  admin.close();
  return { logged, router: typeof admin };
`;

describe('@gatecache/admin as a built package', () => {
  beforeAll(() => checkBuilt(path.resolve(__dirname, '..')));

  it.each(['require', 'import'] as const)('loads with %s, works, and exports exactly those names', (how) => {
    const loaded = loadBuilt(how, '@gatecache/admin', uses, smoke);
    expect(loaded.result).toEqual({ logged: 1, router: 'function' });
    expect(loaded.names).toEqual(EXPORTED);
  });
});
