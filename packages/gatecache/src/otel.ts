import type { Meter, Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { GatecacheConfig } from './resolve';

/** Extra readers and processors (an in-memory exporter in tests, a console exporter while debugging). */
export interface TelemetryExtras {
  metricReaders?: MetricReader[];
  spanProcessors?: SpanProcessor[];
}

export interface Telemetry {
  meter?: Meter;
  tracer?: Tracer;
  /** The Prometheus exporter's scrape URL, when it listens. */
  prometheusUrl?: string;
  /** Flush pending exports. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const SCOPE = '@gatecache/metrics';

/**
 * The OpenTelemetry SDK as `monitoring.opentelemetry` asks for it. Providers are handed to the instruments
 * directly (never registered as the process-wide globals), so a gateway that wires its own SDK keeps it.
 */
export function startTelemetry(config: GatecacheConfig, extras: TelemetryExtras = {}): Telemetry {
  const otel = config.monitoring.opentelemetry;
  const readers: MetricReader[] = [...(extras.metricReaders ?? [])];
  const processors: SpanProcessor[] = [...(extras.spanProcessors ?? [])];
  let prometheus: PrometheusExporter | undefined;
  if (otel.enabled) {
    const endpoint = otel.otlp_endpoint?.replace(/\/+$/, '');
    if (endpoint && otel.metrics) {
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
          exportIntervalMillis: otel.export_interval * 1000,
        }),
      );
    }
    if (endpoint && otel.traces) {
      processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` })));
    }
    if (otel.prometheus.enabled && otel.metrics) {
      const { host, port, endpoint: path } = otel.prometheus;
      prometheus = new PrometheusExporter({ host, port, endpoint: path });
      readers.push(prometheus);
    }
  }
  if (readers.length === 0 && processors.length === 0) {
    return { flush: async () => {}, shutdown: async () => {} };
  }
  const resource = resourceFromAttributes({ 'service.name': otel.service_name });
  const meterProvider = readers.length ? new MeterProvider({ resource, readers }) : undefined;
  const tracerProvider = processors.length
    ? new BasicTracerProvider({ resource, spanProcessors: processors })
    : undefined;
  const { host, port, endpoint: path } = otel.prometheus;
  return {
    meter: meterProvider?.getMeter(SCOPE),
    tracer: tracerProvider?.getTracer(SCOPE),
    prometheusUrl: prometheus
      ? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}${path}`
      : undefined,
    async flush() {
      await Promise.all([meterProvider?.forceFlush(), tracerProvider?.forceFlush()]);
    },
    async shutdown() {
      await Promise.allSettled([meterProvider?.shutdown(), tracerProvider?.shutdown()]);
    },
  };
}
