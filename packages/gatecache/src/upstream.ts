/** One provider the gateway itself calls (warming, summaries), with the gateway's own credential. */
export interface UpstreamTarget {
  /** OpenAI: with `/v1` (`https://api.openai.com/v1`); Anthropic: without (`https://api.anthropic.com`). */
  baseUrl: string;
  /** The gateway's credential for this provider; never a client's. */
  apiKey: string;
}

/** Providers the gateway may call on its own behalf. A provider left out is never called. */
export interface Upstreams {
  openai?: UpstreamTarget;
  anthropic?: UpstreamTarget;
}

const DEFAULT_BASE = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' };
const ENV = {
  openai: { key: 'OPENAI_API_KEY', base: 'OPENAI_BASE_URL' },
  anthropic: { key: 'ANTHROPIC_API_KEY', base: 'ANTHROPIC_BASE_URL' },
} as const;

/**
 * The gateway's upstreams from the environment: a provider is configured when its API key is set
 * (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`); its base URL comes from `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`,
 * else the provider's public API. Clients' credentials are never used for the gateway's own calls.
 */
export function upstreamsFromEnv(env: NodeJS.ProcessEnv): Upstreams {
  const out: Upstreams = {};
  for (const provider of ['openai', 'anthropic'] as const) {
    const apiKey = env[ENV[provider].key];
    if (!apiKey) continue;
    out[provider] = { baseUrl: env[ENV[provider].base] || DEFAULT_BASE[provider], apiKey };
  }
  return out;
}

/** Checks targets once, at start-up, so a typo fails there and not on the first background call. */
export function checkUpstreams(upstreams: Upstreams): Upstreams {
  for (const [name, target] of Object.entries(upstreams) as [string, UpstreamTarget | undefined][]) {
    if (target === undefined) continue;
    if (name !== 'openai' && name !== 'anthropic') {
      throw new Error(`createGatecache: upstream.${name} is not a known provider (openai, anthropic)`);
    }
    if (typeof target.baseUrl !== 'string' || !/^https?:\/\//.test(target.baseUrl)) {
      throw new Error(`createGatecache: upstream.${name}.baseUrl must be an http(s) URL`);
    }
    if (typeof target.apiKey !== 'string' || target.apiKey === '') {
      throw new Error(`createGatecache: upstream.${name}.apiKey must be a non-empty string`);
    }
  }
  return upstreams;
}
