/**
 * Real Redis for tests: standalone servers, a 3-master Cluster and a Sentinel group, each on free ports in
 * a temporary folder, stopped (killed and reaped) by the test that started them. Reusable from other
 * packages' tests by a relative import of this file.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { forAll } from '@gatecache/test-kit';

const HOST = '127.0.0.1';

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
}

/** Whether this machine can run the Redis suites (redis-server and redis-cli on PATH). */
export const redisAvailable: boolean = onPath('redis-server') && onPath('redis-cli');
/** Debian ships `redis-sentinel` in a package of its own; `redis-server --sentinel` is the same program. */
const sentinelCommand: string[] = onPath('redis-sentinel') ? ['redis-sentinel'] : ['redis-server'];
const sentinelArgs: string[] = sentinelCommand[0] === 'redis-sentinel' ? [] : ['--sentinel'];

const HOW_TO_RUN =
  'install Redis (`apt-get install -y redis-server`; Cluster and Sentinel use the same binaries) and run ' +
  '`npx jest packages/store-redis`; set GATECACHE_REQUIRE_REDIS=1 to make a missing redis-server a failure';

/**
 * `describe` for suites that need a real Redis. Without redis-server the suite holds one test that fails when
 * GATECACHE_REQUIRE_REDIS=1 (CI) and otherwise passes after printing how to run the suite: never a silent skip.
 */
export function describeRedis(name: string, fn: () => void): void {
  if (redisAvailable) {
    describe(name, fn);
    return;
  }
  const required = process.env.GATECACHE_REQUIRE_REDIS === '1';
  describe(name, () => {
    it(
      required ? 'fails: redis-server is required here' : 'is not run: redis-server is not installed',
      () => {
        if (required)
          throw new Error(`redis-server not found on PATH while GATECACHE_REQUIRE_REDIS=1: ${HOW_TO_RUN}`);
        console.warn(`"${name}" did not run: redis-server not found on PATH. To run it, ${HOW_TO_RUN}.`);
        expect(redisAvailable).toBe(false);
      },
    );
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** A free port; with `busPort`, one whose +10000 (the Cluster bus port) is free too. */
export async function freePort(busPort = false): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    if ((await portFree(port)) && (!busPort || (await portFree(port + 10000)))) return port;
  }
  throw new Error('no free port found');
}

/** Run redis-cli against a port and return its raw output. */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'redis-cli',
      ['-h', HOST, '-p', String(port), ...args],
      { timeout: 20000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`redis-cli ${args.join(' ')}: ${err.message} ${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A client for `port` that has not connected yet and fails commands until it has (no offline queue): for
 * tests of what happens before a connection is up. `client.connect()` connects it.
 */
export function unconnectedClient(port: number): Redis {
  return new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false });
}

export interface RedisProcess {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** The temporary folder (config, logs); removed by stop(). */
  readonly dir: string;
  /** Kill the process (SIGKILL: like a crash) and wait until it is gone. */
  stop(): Promise<void>;
  /** SIGSTOP: the server keeps its connections open and answers nothing, like a frozen or swapped-out host. */
  freeze(): void;
  /** SIGCONT after freeze(): it answers what queued up meanwhile. */
  thaw(): void;
}

function launch(
  command: string,
  args: string[],
  port: number,
  dir: string,
  keepDir = false,
): Promise<RedisProcess> {
  const child: ChildProcess = spawn(command, args, { stdio: 'ignore', cwd: dir });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const proc: RedisProcess = {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    dir,
    freeze() {
      if (!exited) child.kill('SIGSTOP');
    },
    thaw() {
      if (!exited) child.kill('SIGCONT');
    },
    async stop() {
      if (!exited) child.kill('SIGKILL');
      await exit;
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return waitFor(`${command} on port ${port}`, async () => {
    if (exited) throw new Error(`${command} exited (see ${dir})`);
    return ping(port);
  }).then(
    () => proc,
    async (err: Error) => {
      await proc.stop();
      throw err;
    },
  );
}

function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `gatecache-${tag}-`));
}

/** A standalone redis-server without persistence; `port` reuses a port (restart after a stop). */
export async function startRedis(options: { port?: number; args?: string[] } = {}): Promise<RedisProcess> {
  const port = options.port ?? (await freePort());
  const dir = tempDir('redis');
  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ];
  args.push('--dir', dir, '--logfile', join(dir, 'redis.log'), ...(options.args ?? []));
  return launch('redis-server', args, port, dir);
}

/** A redis-server for the tests of the enclosing block and a plain client on it (a getter: see `forAll`). */
export function redisForAll(): () => { server: RedisProcess; raw: Redis } {
  return forAll(
    async () => {
      const server = await startRedis();
      return { server, raw: new Redis(server.port, '127.0.0.1') };
    },
    async ({ server, raw }) => {
      raw.disconnect();
      await server.stop();
    },
  );
}

export interface RedisClusterProcess {
  readonly nodes: Array<{ host: string; port: number }>;
  readonly servers: RedisProcess[];
  stop(): Promise<void>;
}

/** A Redis Cluster of `masters` masters (no replicas), created with `redis-cli --cluster create`. */
export async function startCluster(masters = 3): Promise<RedisClusterProcess> {
  const servers: RedisProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort(true);
      servers.push(
        await startRedis({
          port,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            '2000',
          ],
        }),
      );
    }
    const addresses = servers.map((s) => `${HOST}:${s.port}`);
    await new Promise<void>((resolve, reject) => {
      execFile(
        'redis-cli',
        ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
        { timeout: 30000 },
        (err, stdout) =>
          err ? reject(new Error(`cluster create failed: ${err.message}\n${stdout}`)) : resolve(),
      );
    });
    for (const s of servers) {
      await waitFor(`cluster_state:ok on ${s.port}`, async () =>
        (await redisCli(s.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes: servers.map((s) => ({ host: HOST, port: s.port })), servers, stop };
}

export interface SentinelGroup {
  /** The monitored primary's name. */
  readonly name: string;
  readonly sentinels: Array<{ host: string; port: number }>;
  readonly primary: RedisProcess;
  readonly replica: RedisProcess;
  /** The port of the server the sentinels currently call primary. */
  primaryPort(): Promise<number>;
  /** `SENTINEL FAILOVER`, then wait until the replica has become the primary. */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

function field(output: string, name: string): string | undefined {
  const lines = output.split('\n').map((l) => l.trim());
  const at = lines.indexOf(name);
  return at >= 0 ? lines[at + 1] : undefined;
}

/** A primary, one replica and three sentinels (quorum 2) watching them as `mymaster`. */
export async function startSentinel(): Promise<SentinelGroup> {
  const name = 'mymaster';
  const procs: RedisProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map((p) => p.stop()));
  };
  try {
    // Redis 7 waits 5 s by default before a diskless full sync, in case more replicas arrive.
    const quick = ['--repl-diskless-sync-delay', '0'];
    const primary = await startRedis({ args: quick });
    procs.push(primary);
    const replica = await startRedis({ args: [...quick, '--replicaof', HOST, String(primary.port)] });
    procs.push(replica);
    await waitFor('replica in sync', async () =>
      (await redisCli(replica.port, 'INFO', 'replication')).includes('master_link_status:up'),
    );
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const dir = tempDir('sentinel');
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${port}`,
          `bind ${HOST}`,
          'daemonize no',
          `dir ${dir}`,
          `logfile ${join(dir, 'sentinel.log')}`,
          `sentinel monitor ${name} ${HOST} ${primary.port} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          '',
        ].join('\n'),
      );
      procs.push(await launch(sentinelCommand[0]!, [conf, ...sentinelArgs], port, dir));
    }
    const sentinels = procs.slice(2);
    for (const s of sentinels) {
      await waitFor(`sentinel ${s.port} to see the replica`, async () => {
        const out = await redisCli(s.port, 'SENTINEL', 'REPLICAS', name);
        return field(out, 'master-link-status') === 'ok' && field(out, 'flags') === 'slave';
      });
    }
    const primaryPort = async (): Promise<number> => {
      const out = await redisCli(sentinels[0]!.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name);
      return Number(out.trim().split('\n')[1]);
    };
    return {
      name,
      sentinels: sentinels.map((s) => ({ host: HOST, port: s.port })),
      primary,
      replica,
      primaryPort,
      async failover() {
        const before = await primaryPort();
        const out = await redisCli(sentinels[0]!.port, 'SENTINEL', 'FAILOVER', name);
        if (!out.startsWith('OK')) throw new Error(`SENTINEL FAILOVER: ${out}`);
        await waitFor('failover', async () => {
          const now = await primaryPort();
          return now !== before && (await redisCli(now, 'ROLE')).startsWith('master');
        });
        return primaryPort();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
