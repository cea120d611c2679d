import type { MycelConfig } from '../config/config.js';

/**
 * The ports this Mycel process serves or depends on locally: its HTTP API, its metrics port,
 * and the Temporal server's ports (the embedded server's gRPC, HTTP, metrics and UI ports, or
 * TEMPORAL_ADDRESS's port). Filled in as components start (a port 0 becomes the one picked);
 * the http tool never connects to one of them on this machine or a private address.
 */
export class OwnPorts {
  private readonly ports = new Set<number>();

  add(...ports: Array<number | undefined>): void {
    for (const port of ports) if (port !== undefined && Number.isInteger(port) && port > 0) this.ports.add(port);
  }

  has(port: number): boolean {
    return this.ports.has(port);
  }

  list(): number[] {
    return [...this.ports].sort((a, b) => a - b);
  }
}

/** The port of a `host:port` address, if it has one. */
export function portOf(address: string | undefined): number | undefined {
  const match = address ? /:(\d{1,5})$/.exec(address) : null;
  return match ? Number(match[1]) : undefined;
}

/** The ports known from the configuration alone (before anything listens). */
export function ownPortsFromConfig(config: MycelConfig): OwnPorts {
  const ports = new OwnPorts();
  ports.add(config.http.port, config.metricsPort, portOf(config.temporal.address));
  return ports;
}
