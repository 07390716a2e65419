import * as cacache from 'cacache';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { bucketLineBytes, contentIntegrity, createLayout, integrityFromSegments } from '../src/layout';
import { tempDirs } from './helpers';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('layout', () => {
  it('names the files cacache writes, and the bytes of its index line', async () => {
    const root = dirs.make();
    const layout = createLayout(root);
    const data = Buffer.from('some content');
    const metadata = { expiresAt: 1, staleUntil: 2 };
    const integrity = await cacache.put(root, 'response:key', data, {
      metadata,
      time: 1234,
    } as cacache.put.Options);
    expect(contentIntegrity(data)).toBe(integrity.toString());
    expect(readFileSync(layout.contentPath(integrity.toString())).equals(data)).toBe(true);
    expect(existsSync(layout.bucketPath('response:key'))).toBe(true);
    expect(statSync(layout.bucketPath('response:key')).size).toBe(
      bucketLineBytes('response:key', integrity.toString(), 1234, data.length, metadata),
    );
    for (const dir of [...layout.contentDirs(integrity.toString()), ...layout.bucketDirs('response:key')]) {
      expect(statSync(dir).isDirectory()).toBe(true);
    }
  });

  it('recovers an integrity from its content path', () => {
    const layout = createLayout('/c');
    const integrity = contentIntegrity(Buffer.from('x'));
    const [a, b, rest] = layout.contentPath(integrity).split('/').slice(-3) as [string, string, string];
    expect(integrityFromSegments(a, b, rest)).toBe(integrity);
    expect(integrityFromSegments('zz', 'yy', 'not-hex')).toBeUndefined();
  });
});
