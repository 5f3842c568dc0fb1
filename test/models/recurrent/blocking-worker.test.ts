import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlockingWorker } from '../../../shared/models/recurrent/blocking-worker.js';

/**
 * The synchronous worker protocol that the WASM shard worker runs on (shard-worker.ts), with small scripts in
 * place of the cell maths, so that it is tested on any backend and core count. What matters most: a worker that
 * dies mid-request ends the main thread's wait with an error that says why, instead of hanging it.
 */

/** A worker that doubles numbers, fails on 'fail', exits on 'exit' and throws from a timer on 'crash-soon'. */
const SCRIPT = `
async function setup() {
  return (request) => {
    if (request === 'fail') throw new TypeError('cannot do that');
    if (request === 'exit') process.exit(3);
    if (request === 'crash-soon') {
      setTimeout(() => { throw new Error('crashed on purpose'); }, 10);
      return ['crashing soon', []];
    }
    return [request * 2, []];
  };
}`;

function start(script = SCRIPT, timeoutMs = 10_000): BlockingWorker<unknown, unknown> {
  const started = BlockingWorker.start<unknown, unknown>('test', script, {}, timeoutMs);
  if (!started.ok) assert.fail(`the worker did not start: ${started.why}`);
  return started.worker;
}

const nothing = () => undefined;

describe('BlockingWorker', () => {
  it('answers requests synchronously while this thread runs its own share', () => {
    const worker = start();
    assert.deepEqual(worker.runAlongside(21, [], () => 'mine'), { here: 'mine', there: 42 });
    assert.deepEqual(worker.runAlongside(2, [], nothing), { here: undefined, there: 4 });
    assert.equal(worker.requests, 2);
  });

  it('returns an error thrown by a request as that call\'s error, with the worker\'s stack as cause, and stays usable', () => {
    const worker = start();
    assert.throws(() => worker.runAlongside('fail', [], nothing), (error: Error) => {
      assert.equal(error.message, 'The test worker failed: TypeError: cannot do that');
      assert.match((error.cause as Error).stack!, /test-worker-script\.js/);
      return true;
    });
    assert.equal(worker.runAlongside(5, [], nothing).there, 10);
  });

  it('ends the wait with an error, not a hang, when the worker exits in the middle of a request; later calls fail at once', () => {
    const worker = start();
    assert.throws(() => worker.runAlongside('exit', [], nothing), { message: 'The test worker thread exited with code 3 during a request' });
    assert.equal(worker.exited?.message, 'The test worker thread exited with code 3 during a request');
    assert.throws(() => worker.runAlongside(1, [], nothing), { message: /exited with code 3/ });
  });

  it('reports an uncaught error that ends the worker between requests, with the error as cause', async () => {
    const worker = start();
    assert.equal(worker.runAlongside('crash-soon', [], nothing).there, 'crashing soon');
    while (worker.exited === undefined) await sleep(5);
    assert.equal(worker.exited.message, 'The test worker thread exited with code 1 between requests: Error: crashed on purpose');
    assert.match((worker.exited.cause as Error).stack!, /crashed on purpose\n\s+at /);
    assert.throws(() => worker.runAlongside(1, [], nothing), { message: /crashed on purpose/ });
  });

  it("keeps this thread's error when both halves fail, with the worker's as its cause", () => {
    const worker = start();
    const local = new Error('this half failed');
    assert.throws(
      () =>
        worker.runAlongside('fail', [], () => {
          throw local;
        }),
      (error) => error === local && /cannot do that/.test((local.cause as Error).message),
    );
    // The worker's answer was collected: it is free for the next request.
    assert.equal(worker.runAlongside(4, [], nothing).there, 8);
  });

  it('throws a request that cannot be sent, and has nothing pending afterwards', () => {
    const worker = start();
    assert.throws(() => worker.runAlongside(() => 'a function', [], nothing), { name: 'DataCloneError' });
    assert.equal(worker.requests, 0);
    assert.equal(worker.runAlongside(3, [], nothing).there, 6);
  });

  describe('says why it did not start', () => {
    it('a setup that fails: its error', () => {
      const started = BlockingWorker.start('test', "async function setup() { throw new Error('no backend here'); }", {}, 10_000);
      assert.deepEqual(started, { ok: false, why: 'The test worker thread exited with code 1 while starting: Error: no backend here' });
    });

    it('a script that does not compile: the syntax error', () => {
      const started = BlockingWorker.start('test', 'async function setup( {', {}, 10_000);
      assert.equal(started.ok, false);
      assert.match((started as { why: string }).why, /exited with code 1 while starting: SyntaxError/);
    });

    it('a setup that takes too long: the time it was given', () => {
      const started = BlockingWorker.start('test', 'async function setup() { await new Promise((resolve) => setTimeout(resolve, 60_000)); }', {}, 200);
      assert.deepEqual(started, { ok: false, why: 'it did not start within 0.2 s' });
    });
  });
});
