/**
 * Back-pressure: far more concurrent requests than the queue holds get 429 with Retry-After, the rest are
 * answered, nothing else happens, and the server stays up with bounded memory; a request that cannot be answered
 * within its deadline gets 504 and its abandoned work stops, so the next request is answered at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { get, MODEL, post, predictBody, startServe, trainedRegistry, type Registry, type ServeProcess } from './fixtures.js';

/** What the server's RSS may reach under the overload below (it idles around 200 MB with TensorFlow loaded). */
const RSS_LIMIT = 400 * 1024 * 1024;

let registry: Registry;
const servers: ServeProcess[] = [];

before(async () => {
  registry = await trainedRegistry();
});
after(async () => {
  for (const server of servers) await server.stop();
  await registry?.stop();
});

async function serve(flags: Record<string, string | number>): Promise<ServeProcess> {
  const server = await startServe({ 'tracking-uri': registry.mlflow.url, model: `models:/${MODEL}/1`, 'poll-interval-ms': 0, ...flags });
  servers.push(server);
  return server;
}

const rss = async (server: ServeProcess) => Number(/process_resident_memory_bytes (\d+)/.exec((await get(`${server.url}/metrics`)).text)![1]);

describe('under overload', () => {
  it('sheds what the queue cannot hold with 429 and Retry-After, answers the rest, and stays up within its memory bound', async () => {
    const server = await serve({ 'max-queue': 8, 'max-batch-size': 4, 'batch-wait-ms': 0, 'max-concurrency': 1, 'deadline-ms': 60_000 });
    const idle = await rss(server);
    const answers = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const response = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(predictBody(registry.rows, i % 100, 30, 150)) });
        const body = (await response.json()) as Record<string, unknown>;
        return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
      }),
    );
    const byStatus: Record<string, typeof answers> = {};
    for (const answer of answers) (byStatus[String(answer.status)] ??= []).push(answer);
    assert.deepEqual(Object.keys(byStatus).sort(), ['200', '429'], 'only answers and sheds');
    assert.ok(byStatus['429']!.length > 100, `${byStatus['429']!.length} shed`);
    assert.ok(byStatus['200']!.length >= 9, `${byStatus['200']!.length} answered`);
    for (const shed of byStatus['429']!) {
      assert.ok(Number(shed.retryAfter) >= 1, `Retry-After ${shed.retryAfter}`);
      assert.match(String(shed.body['error']), /^Server busy: 8 requests are already waiting \(max-queue\); retry after \d+ s\.$/);
    }
    for (const ok of byStatus['200']!) assert.equal((ok.body['predictions'] as unknown[]).length, 150);

    assert.equal((await get(`${server.url}/ready`)).status, 200);
    const loaded = await rss(server);
    assert.ok(loaded < RSS_LIMIT, `RSS ${(loaded / 2 ** 20).toFixed(0)} MB after the overload (idle: ${(idle / 2 ** 20).toFixed(0)} MB)`);
    const metrics = (await get(`${server.url}/metrics`)).text;
    assert.match(metrics, new RegExp(`flts_serve_requests_total\\{route="/predict",outcome="overloaded"\\} ${byStatus['429']!.length}`));
    assert.match(metrics, /flts_serve_queue_depth 0/);
  });

  it('answers 504 past the deadline, stops the abandoned forecast, and answers the next request at once', async () => {
    const server = await serve({ 'deadline-ms': 100, 'max-inference-length': 5000 });
    const started = performance.now();
    const late = await post(`${server.url}/predict`, predictBody(registry.rows, 0, 30, 5000));
    assert.equal(late.status, 504);
    assert.equal(late.body['error'], 'The forecast did not finish within the deadline of 100 ms (deadline-ms).');
    assert.ok(performance.now() - started < 1000, 'answered at the deadline, not when the forecast would have finished');
    const next = await post(`${server.url}/predict`, predictBody(registry.rows, 0, 30, 3));
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.match((await get(`${server.url}/metrics`)).text, /flts_serve_requests_total\{route="\/predict",outcome="deadline"\} 1/);
  });
});
