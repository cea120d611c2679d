import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { MycelConfig } from '../config/config.js';
import { MycelError, formatError } from '../shared/errors.js';
import { tracingClientInterceptors } from '../telemetry/tracing.js';

/** Where and how to reach Temporal; the embedded server fills in `address`. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  apiKey?: string | undefined;
  tls?: boolean | undefined;
}

export function targetFromConfig(config: MycelConfig, address: string): TemporalTarget {
  return { address, namespace: config.temporal.namespace, apiKey: config.temporal.apiKey, tls: config.temporal.tls };
}

function unreachable(target: TemporalTarget, err: unknown): MycelError {
  return new MycelError(
    'TEMPORAL_UNREACHABLE',
    `Cannot reach Temporal at ${target.address}: ${formatError(err)}`,
    'check TEMPORAL_ADDRESS (host:port) and that the server is running; unset TEMPORAL_ADDRESS to use the embedded server',
    { cause: err },
  );
}

/** A client connection (for starting and querying workflows). */
export async function connectClient(target: TemporalTarget): Promise<{ client: Client; connection: Connection }> {
  try {
    const connection = await Connection.connect({
      address: target.address,
      tls: target.tls ? {} : undefined,
      apiKey: target.apiKey,
      connectTimeout: 5_000,
    });
    return { connection, client: new Client({ connection, namespace: target.namespace, interceptors: { workflow: tracingClientInterceptors() } }) };
  } catch (err) {
    throw unreachable(target, err);
  }
}

/** A worker connection (Rust core). */
export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({
      address: target.address,
      tls: target.tls ? {} : undefined,
      apiKey: target.apiKey,
    });
  } catch (err) {
    throw unreachable(target, err);
  }
}
