// The parts of the example mock provider (examples/mock-provider, plain JS) the hostile suite uses.
declare module '@gatecache/example-mock-provider' {
  export interface MockProvider {
    listen(port?: number, host?: string): Promise<string>;
    close(): Promise<void>;
  }
  export function createMockProvider(options?: {
    latencyMs?: number;
    errorRate?: number;
    seed?: number;
  }): MockProvider;
}
