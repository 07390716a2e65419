// Standalone mock provider: MOCK_PORT (default 9000), MOCK_LATENCY_MS (500), MOCK_ERROR_RATE (0.05), MOCK_SEED (1).
const { createMockProvider } = require('./index');

const mock = createMockProvider({
  latencyMs: Number(process.env.MOCK_LATENCY_MS ?? 500),
  errorRate: Number(process.env.MOCK_ERROR_RATE ?? 0.05),
  seed: Number(process.env.MOCK_SEED ?? 1),
});
mock.listen(Number(process.env.MOCK_PORT ?? 9000)).then((url) => {
  console.log(`mock provider listening on ${url} (OpenAI at ${url}/v1, Anthropic at ${url})`);
});
process.on('SIGTERM', () => void mock.close().then(() => process.exit(0)));
