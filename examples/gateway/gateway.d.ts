// Types of the gateway example (plain JavaScript), for the TypeScript suites that start it in-process.
import type { Server } from 'node:http';
import type { Express } from 'express';

export interface StartedGateway {
  url: string;
  port: number;
  app: Express;
  server: Server;
  // The composed stack (createGatecache's result); typed loosely here, each test narrows what it reads.
  gatecache: { cache: unknown; close(): Promise<void>; [name: string]: unknown };
  mock?: { stats(): { calls: number; [name: string]: unknown }; setErrorRate(rate: number): void };
  close(): Promise<void>;
}

export function startGateway(options?: {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}): Promise<StartedGateway>;
