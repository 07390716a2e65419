import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@gatecache/core';
import { createRemover } from '../src/remover';
import { tempDirs } from './helpers';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('createRemover', () => {
  it('removes files before their folders, and keeps folders that still hold something', async () => {
    const root = dirs.make();
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    mkdirSync(join(root, 'c'));
    writeFileSync(join(root, 'a', 'b', 'f'), 'x');
    writeFileSync(join(root, 'c', 'keep'), 'x');
    const remover = createRemover(silentLogger);
    await remover.run({
      files: [join(root, 'a', 'b', 'f')],
      dirs: [join(root, 'a', 'b'), join(root, 'a'), join(root, 'c')],
    });
    expect(existsSync(join(root, 'a'))).toBe(false);
    expect(existsSync(join(root, 'c', 'keep'))).toBe(true);
  });

  it('lets a writer wait until a removal of its path has finished', async () => {
    const root = dirs.make();
    const file = join(root, 'f');
    writeFileSync(file, 'old');
    const remover = createRemover(silentLogger);
    void remover.run({ files: [file], dirs: [] });
    await remover.settled([file]);
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, 'new');
    await remover.idle();
    expect(existsSync(file)).toBe(true);
  });
});
