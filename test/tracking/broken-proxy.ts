/**
 * A broken reverse proxy in front of the real MLflow server, for the retry tests (the one stand-in the test
 * suite allows): for the calls it is told to break, it answers 503 — before forwarding ("the server is down")
 * or after forwarding ("the reply was lost") — and passes everything else through unchanged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Breakage {
  /** Matches the request path, e.g. /runs\/create$/. */
  path: RegExp;
  /** Only requests with this method (e.g. "POST" where GET and POST share a path); any method when absent. */
  method?: string;
  /** How many matching requests to break before passing them through. */
  times: number;
  /** "reject": answer 503 without forwarding; "lose-reply": forward, then answer 503 anyway. @default "reject" */
  mode?: 'reject' | 'lose-reply';
  /** A Retry-After header to send with the 503. */
  retryAfter?: string;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  status: number;
}

export interface BrokenProxy {
  url: string;
  /** Every request seen, in order, with the status the client got. */
  log: ProxiedRequest[];
  /** Replaces the breakages (and clears the log). */
  breakNext(...breakages: Breakage[]): void;
  close(): Promise<void>;
}

export async function startBrokenProxy(upstream: string): Promise<BrokenProxy> {
  let breakages: (Breakage & { left: number })[] = [];
  const log: ProxiedRequest[] = [];

  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const body = await readBody(request);
    const breakage = breakages.find((b) => b.left > 0 && b.path.test(path) && (b.method === undefined || b.method === request.method));
    if (breakage) breakage.left -= 1;
    if (!breakage || breakage.mode === 'lose-reply') {
      const reply = await forward(upstream, request, body);
      if (!breakage) {
        log.push({ method: request.method!, path, status: reply.status });
        response.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? 'application/octet-stream' });
        response.end(Buffer.from(await reply.arrayBuffer()));
        return;
      }
      await reply.arrayBuffer();
    }
    log.push({ method: request.method!, path, status: 503 });
    response.writeHead(503, { 'content-type': 'text/plain', ...(breakage.retryAfter && { 'retry-after': breakage.retryAfter }) });
    response.end('upstream unavailable');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    breakNext: (...next) => {
      breakages = next.map((b) => ({ ...b, left: b.times }));
      log.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(upstream: string, request: IncomingMessage, body: Buffer): Promise<Response> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)) headers[name] = value;
  }
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  return fetch(`${upstream}${request.url}`, { method: request.method, headers, ...(hasBody && { body }) });
}
