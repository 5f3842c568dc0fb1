/**
 * The operations endpoints of an event service: `GET /healthz` (the process is alive), `GET /ready` (200 once
 * the consumer has joined its group, 503 before and while draining) and `GET /metrics` (Prometheus text).
 * Porting note: upstream served JSON at /metrics and Prometheus text on a second port; one port serves both
 * purposes here, with the Prometheus format at the conventional path.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventMetrics } from './metrics.js';

export interface HealthOptions {
  metrics: EventMetrics;
  /** Whether the service takes work now. */
  isReady: () => boolean;
  /** Facts shown by /healthz (service name, group, topic). */
  describe?: () => Record<string, unknown>;
  /** Port to listen on; 0 picks a free one. From `FLTS_EVENTS_HTTP_PORT`. @default 9091 */
  port?: number;
  /** @default "0.0.0.0" */
  host?: string;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'Content-Type': type });
      response.end(body);
    };
    if (request.method !== 'GET') return send(405, 'application/json', JSON.stringify({ error: `${request.method} is not allowed; use GET.` }));
    if (path === '/healthz') return send(200, 'application/json', JSON.stringify({ status: 'ok', ready: options.isReady(), ...options.describe?.() }));
    if (path === '/ready') {
      const ready = options.isReady();
      return send(ready ? 200 : 503, 'application/json', JSON.stringify({ status: ready ? 'ready' : 'not_ready' }));
    }
    if (path === '/metrics') {
      options.metrics.text().then(
        (text) => send(200, options.metrics.registry.contentType, text),
        (error: unknown) => send(500, 'text/plain', String(error)),
      );
      return;
    }
    send(404, 'application/json', JSON.stringify({ error: `No route ${path}; try /healthz, /ready or /metrics.` }));
  });
  await listen(server, options.port ?? 9091, options.host ?? '0.0.0.0');
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}
