/**
 * Event-mode settings come from the environment: each is read one way (shared/env.ts), and a value out of its
 * range is an error naming the variable before the service starts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stageContext } from '../../components/events/stage.js';
import { serviceSettingsFromEnv } from '../../shared/events/index.js';

describe('event-mode settings from the environment', () => {
  it('takes the operator\'s values, upstream\'s FAILURE_MAX_RETRIES and QUEUE_MAXSIZE included', () => {
    const env = { FLTS_EVENTS_HTTP_PORT: '0', FLTS_EVENTS_DRAIN_MS: '2500', FLTS_EVENTS_CONCURRENCY: '6', FAILURE_MAX_RETRIES: '3', QUEUE_MAXSIZE: '50' };
    assert.deepEqual(serviceSettingsFromEnv(env), { httpPort: 0, drainTimeoutMs: 2500, concurrency: 6, retry: { attempts: 3 }, queue: { capacity: 50 } });
    assert.deepEqual(serviceSettingsFromEnv({ FLTS_EVENTS_CONCURRENCY: ' ' }), {}, 'blank is unset');
  });

  for (const [name, value] of [
    ['FLTS_EVENTS_CONCURRENCY', '0'],
    ['FLTS_EVENTS_DRAIN_MS', '-1'],
    ['FAILURE_MAX_RETRIES', '2.5'],
    ['FLTS_EVENTS_HTTP_PORT', '70000'],
    ['QUEUE_MAXSIZE', 'many'],
  ] as const) {
    it(`refuses ${name}=${value}, naming it`, () => {
      assert.throws(() => serviceSettingsFromEnv({ [name]: value }), new RegExp(`^RangeError: Environment variable ${name} must be an integer from \\d+ to \\d+; got "${value.replace('.', '\\.')}"\\.$`));
    });
  }

  it('refuses a claim lease under a second, naming FLTS_EVENTS_LEASE_MS', () => {
    assert.throws(() => stageContext({ FLTS_EVENTS_LEASE_MS: '500' }), /Environment variable FLTS_EVENTS_LEASE_MS must be an integer of milliseconds from 1000 to 86400000; got "500"\./);
  });
});
