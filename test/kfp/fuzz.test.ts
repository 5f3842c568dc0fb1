/**
 * The seeded ExecutorInput fuzz (helpers/executor-fuzz.ts), sized for CI: per component, FLTS_FUZZ_CASES cases
 * (default 25) through the entry function in this process and FLTS_FUZZ_PROCESSES (default 3) as real processes
 * of the built bundle. Every case must end with exit 0 and every output present, or one stderr line, exit 1/2,
 * nothing written and no MLflow run left RUNNING. `npm run bench -- fuzz` runs ≥ 10 000 per component.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { componentSpecs } from '../../components/specs.js';
import { runFuzzCase, type CaseResult, type ComponentName } from '../helpers/executor-fuzz.js';

const CASES = Number(process.env['FLTS_FUZZ_CASES'] ?? 25);
const PROCESSES = Number(process.env['FLTS_FUZZ_PROCESSES'] ?? 3);
/** Fixed, so that CI runs the same cases every time; a failure names its seed for replaying. */
const SEED = 18_000;

function report(results: CaseResult[]): string {
  return results
    .filter((result) => result.violations.length > 0)
    .map((r) => `seed ${r.seed} (${r.mutations.join('; ')}): exit ${r.code}: ${r.violations.join('; ')}`)
    .join('\n');
}

describe('ExecutorInput fuzz', () => {
  for (const spec of componentSpecs) {
    const name = spec.name as ComponentName;
    it(`${name}: ${CASES} mutated inputs in-process, ${PROCESSES} as processes, each ending cleanly`, { timeout: 900_000 }, async () => {
      const results: CaseResult[] = [];
      for (let i = 0; i < CASES; i++) results.push(await runFuzzCase(name, SEED + i, 'in-process'));
      for (let i = 0; i < PROCESSES; i++) results.push(await runFuzzCase(name, SEED + CASES + i, 'process'));
      assert.equal(report(results), '', 'every case ends in exit 0 with all outputs, or one line, exit 1/2, nothing written, no run RUNNING');
      assert.ok(results.some((result) => result.code !== 0), 'the mutations do break inputs');
    });
  }
});
