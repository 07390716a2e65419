import { ownValue, setOwn } from '@gatecache/core';
import { PerformanceObserver, constants } from 'node:perf_hooks';

export interface GcStats {
  heap_used_mb: number;
  heap_total_mb: number;
  rss_mb: number;
  external_mb: number;
  array_buffers_mb: number;
  /** Collections seen since the router started, by kind, with their total pause time. */
  gc: Record<string, { count: number; total_ms: number }>;
}

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 100) / 100;

/** Counts garbage collections through a PerformanceObserver('gc'); `stop()` disconnects it. */
export function watchGc(): { stats(): GcStats; stop(): void } {
  const gc: GcStats['gc'] = {};
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
      let c = ownValue(gc, kind);
      if (!c) setOwn(gc, kind, (c = { count: 0, total_ms: 0 }));
      c.count++;
      c.total_ms = Math.round((c.total_ms + entry.duration) * 1000) / 1000;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stats() {
      const m = process.memoryUsage();
      return {
        heap_used_mb: mb(m.heapUsed),
        heap_total_mb: mb(m.heapTotal),
        rss_mb: mb(m.rss),
        external_mb: mb(m.external),
        array_buffers_mb: mb(m.arrayBuffers),
        gc: structuredClone(gc),
      };
    },
    stop() {
      observer.disconnect();
    },
  };
}
