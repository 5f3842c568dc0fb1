/**
 * An MLflow run and the signal that stops its process (shared/shutdown.ts): a run still open is marked KILLED; a run
 * that FINISHED inside a unit of work (a KFP step's body and commit, an event claim's work and its record) is marked
 * KILLED too when the signal comes before the unit is complete — its work is then done again — and stays FINISHED
 * once the unit is complete or committed (its effect on record: a claim recorded as done, a promotion in effect).
 * Its own file: a signal's stop is for the whole process.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commitUnit, stopWith, unitOfWork } from '../../shared/shutdown.js';
import { openTracking, type Tracker } from '../../shared/tracking/index.js';

describe('MLflow runs when a signal stops the process', () => {
  let dir: string;
  let tracker: Tracker;
  const status = async (runId: string) => (await tracker.getRun(runId)).info.status;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flts-signals-'));
    tracker = await openTracking({ trackingUri: join(dir, 'mlruns'), experiment: 'signals', env: {} });
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('marks KILLED a run still open, one FINISHED in a unit of work not yet complete or committed, and nothing else', async () => {
    const open = await tracker.startRun({ runName: 'open' });
    const done = await tracker.startRun({ runName: 'done' });
    await unitOfWork(async () => done.end('FINISHED'));
    const failed = await tracker.startRun({ runName: 'failed' });
    let finishedInUnit = '';
    let unitEnds = () => undefined as void;
    const unit = unitOfWork(async () => {
      const run = await tracker.startRun({ runName: 'finished, unit open' });
      await run.end('FINISHED');
      await failed.end('FAILED');
      finishedInUnit = run.runId;
      await new Promise<void>((resolve) => (unitEnds = resolve));
    });
    let committedInUnit = '';
    let committedUnitEnds = () => undefined as void;
    const committed = unitOfWork(async () => {
      const run = await tracker.startRun({ runName: 'finished, unit committed' });
      await run.end('FINISHED');
      commitUnit();
      committedInUnit = run.runId;
      await new Promise<void>((resolve) => (committedUnitEnds = resolve));
    });
    while (!finishedInUnit || !committedInUnit) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await status(finishedInUnit), 'FINISHED', 'ended, as the work said');

    await stopWith('SIGTERM', 5000);
    assert.equal(await status(open.runId), 'KILLED');
    assert.equal(await status(finishedInUnit), 'KILLED', 'its unit of work was stopped before it was complete');
    assert.equal(await status(done.runId), 'FINISHED', 'its unit of work was complete');
    assert.equal(await status(committedInUnit), 'FINISHED', 'its unit of work was committed');
    assert.equal(await status(failed.runId), 'FAILED', 'a failure stays a failure');

    unitEnds();
    committedUnitEnds();
    await Promise.all([unit, committed]);
    await open.end('FINISHED');
    assert.equal(await status(open.runId), 'KILLED', 'work still running after the signal cannot end a run otherwise');
  });
});
