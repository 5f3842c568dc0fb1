/**
 * `npm run bench -- fuzz`: the seeded ExecutorInput fuzz at full size — FLTS_FUZZ_CASES cases per component
 * (default 10 000) through the entry function in this process, plus FLTS_FUZZ_PROCESSES (default 200) as real
 * processes of the built bundles (`npm run build` first) — and its result in bench/results/fuzz.json: per
 * component the exit codes, the cases that did not end as they must (seed, mutations, what was wrong), and the time.
 * FLTS_FUZZ_COMPONENTS=preprocess,eval limits it to some components (recorded as bench/results/fuzz-preprocess-eval.json).
 * CI runs the same generator at a small size (test/kfp/fuzz.test.ts).
 */
import { componentSpecs } from '../components/specs.js';
import { runFuzzCase, type CaseResult, type ComponentName } from '../test/helpers/executor-fuzz.js';
import { recordResult } from './record.js';

const CASES = Number(process.env['FLTS_FUZZ_CASES'] ?? 10_000);
const PROCESSES = Number(process.env['FLTS_FUZZ_PROCESSES'] ?? 200);
const SEED = Number(process.env['FLTS_FUZZ_SEED'] ?? 1);
const only = process.env['FLTS_FUZZ_COMPONENTS']?.split(',');

const components: Record<string, unknown> = {};
let violations = 0;
for (const spec of componentSpecs) {
  const name = spec.name as ComponentName;
  if (only && !only.includes(name)) continue;
  const started = performance.now();
  const codes: Record<string, number> = {};
  const bad: CaseResult[] = [];
  for (let i = 0; i < CASES + PROCESSES; i++) {
    const result = await runFuzzCase(name, SEED + i, i < CASES ? 'in-process' : 'process');
    codes[result.code] = (codes[result.code] ?? 0) + 1;
    if (result.violations.length > 0) bad.push(result);
    if ((i + 1) % 500 === 0) console.error(`${name}: ${i + 1} cases, ${bad.length} violation(s)`);
  }
  violations += bad.length;
  components[name] = { in_process: CASES, processes: PROCESSES, exit_codes: codes, violations: bad.slice(0, 50), violation_count: bad.length, seconds: Math.round((performance.now() - started) / 1000) };
}
// A run over some components only (FLTS_FUZZ_COMPONENTS) is recorded beside the full one, not over it.
await recordResult(only ? `fuzz-${only.join('-')}` : 'fuzz', { seed: SEED, cases_per_component: CASES, processes_per_component: PROCESSES, violations, components });
if (violations > 0) process.exitCode = 1;
