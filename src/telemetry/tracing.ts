import { createRequire } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { MycelConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { formatError } from '../shared/errors.js';

/** The `service.name` of every span Mycel exports. */
export const TRACING_SERVICE_NAME = 'mycel';

/**
 * OpenTelemetry tracing across client, workflow and activities, with Temporal's own
 * interceptors (`@temporalio/interceptors-opentelemetry`). Off unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; then spans go over OTLP/HTTP to `<endpoint>/v1/traces`:
 * - the client wraps StartWorkflow/SignalWorkflow/Update/Query in spans and passes the
 *   context to the workflow in headers,
 * - the workflow sandbox (interceptor module bundled into the workflow code) traces
 *   RunWorkflow and each StartActivity, exporting through a worker sink,
 * - the worker traces RunActivity, linked to the workflow's span.
 * One tracer provider per process, registered globally.
 */
interface TracingState {
  provider: NodeTracerProvider;
  processor: BatchSpanProcessor;
  resource: Resource;
}

let state: TracingState | undefined;

/** Installs the process's tracer provider when an OTLP endpoint is configured (idempotent). */
export function installTracing(config: Pick<MycelConfig, 'otlpEndpoint'>, logger: Logger): boolean {
  if (state) return true;
  if (!config.otlpEndpoint) return false;
  const url = `${config.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
  const resource = new Resource({ 'service.name': TRACING_SERVICE_NAME });
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  state = { provider, processor, resource };
  // Spans still buffered when the event loop empties (after a graceful stop) are sent then.
  process.once('beforeExit', () => {
    void shutdownTracing(logger);
  });
  logger.info({ url }, 'OpenTelemetry tracing exports over OTLP');
  return true;
}

/** Whether tracing is on in this process. */
export function tracingEnabled(): boolean {
  return state !== undefined;
}

/** Sends every buffered span now (tests, and before a short-lived command exits); an unreachable collector is logged, not thrown. */
export async function flushTracing(logger?: Logger): Promise<void> {
  try {
    await state?.provider.forceFlush();
  } catch (err) {
    logger?.warn(`could not export spans to the OTLP endpoint: ${formatError(err)}`);
  }
}

export async function shutdownTracing(logger?: Logger): Promise<void> {
  const current = state;
  state = undefined;
  try {
    await current?.provider.shutdown();
  } catch (err) {
    logger?.warn(`could not export the last spans: ${formatError(err)}`);
  }
}

/** Client interceptors: a span per client call, its context passed to the workflow. */
export function tracingClientInterceptors(): WorkflowClientInterceptor[] {
  return state ? [new OpenTelemetryWorkflowClientInterceptor()] : [];
}

/** Activity interceptors: a RunActivity span linked to the scheduling workflow's span. */
export function tracingActivityInterceptors(): ActivityInterceptorsFactory[] {
  if (!state) return [];
  return [
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
  ];
}

/** Workflow interceptor modules to bundle into the workflow code when tracing is on. */
export function tracingWorkflowModules(): string[] {
  if (!state) return [];
  return [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];
}

/** The sink through which the workflow sandbox hands its spans to the worker's exporter. */
export function tracingSinks(): { exporter?: ReturnType<typeof makeWorkflowExporter> } {
  return state ? { exporter: makeWorkflowExporter(state.processor, state.resource) } : {};
}
