import path from 'node:path';
import { checkBuilt, loadBuilt } from '../../core/test/built-package';

// The names the README lists under "Exported names": a change to the public API fails here first.
const EXPORTED = [
  'ConfigError',
  'createGatecache',
  'loadConfig',
  'parseConfig',
  'startTelemetry',
  'upstreamsFromEnv',
];

const uses = { gatecache: ['ConfigError', 'parseConfig', 'upstreamsFromEnv'] };
const smoke = `
  const ttl = parseConfig('caching:\\n  default_ttl: 120\\n', { env: {} }).caching.default_ttl;
  let problem;
  try {
    parseConfig('caching:\\n  default_tll: 120\\n', { env: {} });
  } catch (err) {
    problem = err instanceof ConfigError ? err.problems[0].path : String(err);
  }
  return { ttl, problem, upstream: upstreamsFromEnv({ OPENAI_API_KEY: 'sk-test' }).openai.baseUrl };
`;

describe('gatecache (the umbrella) as a built package', () => {
  beforeAll(() => checkBuilt(path.resolve(__dirname, '..')));

  it.each(['require', 'import'] as const)('loads with %s, works, and exports exactly those names', (how) => {
    const loaded = loadBuilt(how, 'gatecache', uses, smoke);
    expect(loaded.result).toEqual({
      ttl: 120,
      problem: 'caching.default_tll',
      upstream: 'https://api.openai.com/v1',
    });
    expect(loaded.names).toEqual(EXPORTED);
  });
});
