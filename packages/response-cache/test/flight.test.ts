import type { CacheEntry } from '@gatecache/core';
import { Flight, Flights } from '../src/flight';
import type { FlightSubscriber } from '../src/flight';

function recorder(): FlightSubscriber & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    head: (h) => log.push(`head ${h.status}`),
    chunk: (c) => log.push(`chunk ${c.toString()}`),
    end: () => log.push('end'),
    fail: (started) => log.push(`fail ${started}`),
    entry: (_e, reason) => log.push(`entry ${reason}`),
  };
}

describe('Flight', () => {
  it('fans each chunk out to every subscriber as it arrives', () => {
    const f = new Flight();
    const a = recorder();
    const b = recorder();
    f.join(a);
    f.head({ status: 200, headers: {} });
    f.join(b);
    f.chunk(Buffer.from('1'));
    expect(a.log).toEqual(['head 200', 'chunk 1']);
    expect(b.log).toEqual(['head 200', 'chunk 1']);
    f.end();
    expect(a.log.at(-1)).toBe('end');
  });

  it('replays the whole answer to a joiner after the end', () => {
    const f = new Flight();
    f.head({ status: 201, headers: {} });
    f.chunk(Buffer.from('x'));
    f.end();
    const late = recorder();
    f.join(late);
    expect(late.log).toEqual(['head 201', 'chunk x', 'end']);
  });

  it('tells subscribers whether they had the head when it fails', () => {
    const early = new Flight();
    const a = recorder();
    early.join(a);
    early.fail();
    expect(a.log).toEqual(['fail false']);
    const mid = new Flight();
    const b = recorder();
    mid.join(b);
    mid.head({ status: 200, headers: {} });
    mid.fail();
    expect(b.log).toEqual(['head 200', 'fail true']);
  });

  it('answers subscribers with an entry, now and later', () => {
    const f = new Flight();
    const a = recorder();
    f.join(a);
    f.answerWith({ key: 'k' } as CacheEntry, 'stale-if-error', 503);
    const b = recorder();
    f.join(b);
    expect(a.log).toEqual(['entry stale-if-error']);
    expect(b.log).toEqual(['entry stale-if-error']);
  });

  it('stops sending to a subscriber that left', () => {
    const f = new Flight();
    const a = recorder();
    const leave = f.join(a);
    leave();
    f.head({ status: 200, headers: {} });
    expect(a.log).toEqual([]);
    expect(f.waiters).toBe(0);
  });
});

describe('Flight.stopKeeping', () => {
  it('lets go of the chunks kept so far and keeps fanning new ones out live', () => {
    const f = new Flight();
    const a = recorder();
    f.join(a);
    f.head({ status: 200, headers: {} });
    f.chunk(Buffer.from('1'));
    f.stopKeeping();
    expect(f.chunks).toEqual([]);
    f.chunk(Buffer.from('2'));
    expect(f.chunks).toEqual([]);
    expect(a.log).toEqual(['head 200', 'chunk 1', 'chunk 2']);
  });

  it('turns away a joiner after the head, which cannot have the start any more', () => {
    const f = new Flight();
    f.head({ status: 200, headers: {} });
    f.stopKeeping();
    const late = recorder();
    f.join(late);
    expect(late.log).toEqual(['fail false']);
    expect(f.waiters).toBe(0);
  });
});

describe('Flight.onIdle', () => {
  it('is called when the last subscriber leaves, not before', () => {
    const f = new Flight();
    let idle = 0;
    f.onIdle = () => idle++;
    const leaveA = f.join(recorder());
    const leaveB = f.join(recorder());
    leaveA();
    expect(idle).toBe(0);
    leaveB();
    expect(idle).toBe(1);
    leaveB();
    expect(idle).toBe(1);
  });
});

describe('Flights', () => {
  it('forgets a flight only if it is still the current one for its key', () => {
    const flights = new Flights();
    const first = flights.start('k');
    const second = flights.start('k');
    flights.finish('k', first);
    expect(flights.find('k')).toBe(second);
    flights.finish('k', second);
    expect(flights.size).toBe(0);
  });
});
