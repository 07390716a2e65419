/**
 * Starts a resource before the tests of the enclosing block (or file) and stops it after them; returns a getter,
 * as the resource exists only once `beforeAll` has run.
 */
export function forAll<T>(start: () => Promise<T>, stop: (resource: T) => Promise<unknown>): () => T {
  let resource: T | undefined;
  beforeAll(async () => {
    resource = await start();
  });
  afterAll(async () => {
    if (resource !== undefined) await stop(resource);
  });
  return () => {
    if (resource === undefined) throw new Error('forAll: the resource is used before beforeAll started it');
    return resource;
  };
}

/** Puts environment variable `name` back as it was before the block after each of its tests. */
export function restoreEnvAfterEach(name: string): void {
  const saved = process.env[name];
  afterEach(() => {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  });
}
