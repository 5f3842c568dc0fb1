import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { gateCount, layerBackward, layerForward, layerOutput, type LayerValues } from '../../../shared/models/recurrent/cell-math.js';
import { addonFileName, cgroupCpuLimit, compiledCells, recurrentThreads, type CellsAddon } from '../../../shared/models/recurrent/compiled-cells.js';
import { plainMatrixProduct } from '../../../shared/models/recurrent/matrix-product.js';
import { kernelFromEnvironment } from '../../../shared/models/recurrent/recurrent-layer.js';
import { createRandom } from '../../../shared/models/recurrent/random.js';

/**
 * The compiled cell loops (native/cells/, built by tools/native-cells/build.sh, which `npm test` runs) against the
 * JavaScript cell loops they port (cell-math.ts, here with plain JavaScript products): the forward trace and
 * output, and every gradient, on 1, 2 and 3 threads, so that batches split unevenly over threads give the same
 * numbers. Tolerance as for the other kernels: 2e-6 + 1e-4·|value| (float32 sums in another order, and Eigen's
 * vectorised tanh and logistic, within a few ulp).
 */
const cells = compiledCells();
const skip = cells.ok ? false : `compiled cell loops unavailable: ${cells.why}`;

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const bound = 2e-6 + 1e-4 * Math.abs(expected[i]!);
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= bound, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

function randomArray(random: () => number, length: number, scale = 1): Float32Array {
  return Float32Array.from({ length }, () => (random() - 0.5) * scale);
}

describe('the compiled cell loops', { skip }, () => {
  const addon = () => (cells as { addon: CellsAddon }).addon;
  // 37 windows: 18 + 19 rows on two threads, 12 + 12 + 13 on three; 7 steps, 5 inputs, 12 units.
  const [batch, steps, inputs, units] = [37, 7, 5, 12];

  for (const cell of ['gru', 'lstm'] as const) {
    for (const returnSequences of [true, false]) {
      it(`${cell}, ${returnSequences ? 'whole sequence' : 'last state'}: trace, output and gradients equal the JavaScript cell loops on 1, 2 and 3 threads`, () => {
        const random = createRandom(cell === 'gru' ? 11 : 12);
        const width = gateCount(cell) * units;
        const layer: LayerValues = {
          cell,
          kernel: randomArray(random, inputs * width),
          recurrentKernel: randomArray(random, units * width),
          bias: randomArray(random, width),
          inputSize: inputs,
          units,
        };
        const x = randomArray(random, batch * steps * inputs, 2);
        const product = plainMatrixProduct();
        const trace = layerForward(layer, x, batch, steps, product);
        const output = layerOutput(trace, units, returnSequences);
        const dy = randomArray(random, output.length);
        const grads = layerBackward(layer, trace, dy, returnSequences, product);
        for (const threads of [1, 2, 3]) {
          const [out, tx, th, tg, te] = addon().forward(cell, batch, steps, inputs, units, x, layer.kernel, layer.recurrentKernel, layer.bias, returnSequences, threads);
          const label = `${threads} thread(s)`;
          assertClose(out, output, `${label} output`);
          assert.deepEqual(tx, trace.x, `${label} trace x`);
          assertClose(th, trace.h, `${label} trace h`);
          assertClose(tg, trace.gates, `${label} trace gates`);
          assertClose(te, trace.extra, `${label} trace extra`);
          const [dx, dKernel, dRecurrent, dBias] = addon().backward(cell, batch, steps, inputs, units, layer.kernel, layer.recurrentKernel, tx, th, tg, te, dy, returnSequences, threads);
          assertClose(dx, grads.x, `${label} dx`);
          assertClose(dKernel, grads.kernel, `${label} d kernel`);
          assertClose(dRecurrent, grads.recurrentKernel, `${label} d recurrent kernel`);
          assertClose(dBias, grads.bias, `${label} d bias`);
        }
      });
    }
  }

  it("skip the input's gradient when it is not wanted (a first layer's): dx zeros, every weight gradient bit for bit the same", () => {
    const random = createRandom(15);
    for (const cell of ['gru', 'lstm'] as const) {
      for (const returnSequences of [true, false]) {
        const width = gateCount(cell) * units;
        const weights = [randomArray(random, inputs * width), randomArray(random, units * width), randomArray(random, width)] as const;
        const x = randomArray(random, batch * steps * inputs, 2);
        for (const threads of [1, 2, 3]) {
          const label = `${cell}, ${returnSequences ? 'sequence' : 'last state'}, ${threads} thread(s)`;
          const [output, ...trace] = addon().forward(cell, batch, steps, inputs, units, x, ...weights, returnSequences, threads);
          const dy = randomArray(random, output.length);
          const [dx, ...weightGrads] = addon().backward(cell, batch, steps, inputs, units, weights[0], weights[1], ...trace, dy, returnSequences, threads);
          assert.ok(dx.some((v) => v !== 0), `${label}: dx is computed by default`);
          const [noDx, ...same] = addon().backward(cell, batch, steps, inputs, units, weights[0], weights[1], ...trace, dy, returnSequences, threads, undefined, false);
          assert.deepEqual(noDx, new Float32Array(dx.length), `${label}: dx zeros`);
          same.forEach((array, k) => assert.deepEqual(array, weightGrads[k], `${label}: weight gradient ${k}`));
          // Into given arrays (as the layer op passes them: uninitialised memory on WASM), dx is zeroed too.
          const given = [dx.map(() => Number.NaN), ...weightGrads.map((g) => new Float32Array(g.length))] as [Float32Array, Float32Array, Float32Array, Float32Array];
          addon().backward(cell, batch, steps, inputs, units, weights[0], weights[1], ...trace, dy, returnSequences, threads, given, false);
          assert.deepEqual(given[0], new Float32Array(dx.length), `${label}: given dx zeroed`);
          given.slice(1).forEach((array, k) => assert.deepEqual(array, weightGrads[k], `${label}: given weight gradient ${k}`));
        }
      }
    }
  });

  it('compute the dense head on a last state and its gradients: y = h·K + b, dh = dy·Kᵀ, dK = hᵀ·dy, db = Σ dy', () => {
    const random = createRandom(16);
    const outputs = 4;
    const h = randomArray(random, batch * units);
    const kernel = randomArray(random, units * outputs);
    const bias = randomArray(random, outputs);
    const dy = randomArray(random, batch * outputs);
    const expected = { y: new Float32Array(batch * outputs), dh: new Float32Array(batch * units), dKernel: new Float32Array(units * outputs), dBias: new Float32Array(outputs) };
    for (let b = 0; b < batch; b++) {
      for (let o = 0; o < outputs; o++) {
        let sum = bias[o]!;
        for (let k = 0; k < units; k++) sum += h[b * units + k]! * kernel[k * outputs + o]!;
        expected.y[b * outputs + o] = sum;
        expected.dBias[o]! += dy[b * outputs + o]!;
        for (let k = 0; k < units; k++) {
          expected.dh[b * units + k]! += dy[b * outputs + o]! * kernel[k * outputs + o]!;
          expected.dKernel[k * outputs + o]! += h[b * units + k]! * dy[b * outputs + o]!;
        }
      }
    }
    const y = new Float32Array(batch * outputs);
    addon().dense(batch, units, outputs, h, kernel, bias, y);
    assertClose(y, expected.y, 'y');
    const [dh, dKernel, dBias] = [new Float32Array(batch * units), new Float32Array(units * outputs), new Float32Array(outputs)];
    addon().denseBackward(batch, units, outputs, h, kernel, dy, dh, dKernel, dBias);
    assertClose(dh, expected.dh, 'dh');
    assertClose(dKernel, expected.dKernel, 'dKernel');
    assertClose(dBias, expected.dBias, 'dBias');
    assert.throws(() => addon().dense(batch, units, outputs, h, kernel, bias, y.subarray(1)), /y holds 147 floats, the shape needs 148/);
  });

  it("write into an earlier call's trace when given one, with the same numbers as into new arrays", () => {
    const random = createRandom(13);
    const width = 4 * units;
    const args = [batch, steps, inputs, units, randomArray(random, batch * steps * inputs), randomArray(random, inputs * width), randomArray(random, units * width), randomArray(random, width), true, 2] as const;
    const [, ...first] = addon().forward('lstm', ...args);
    const fresh = addon().forward('lstm', ...args).map((array) => array.slice());
    const reused = addon().forward('lstm', ...args, first);
    reused.slice(1).forEach((array, k) => assert.equal(array, first[k], `trace array ${k} is the one given`));
    reused.forEach((array, k) => assert.deepEqual(array, fresh[k], `result ${k}`));
    const short: typeof first = [first[0], first[1], first[2].subarray(1), first[3]];
    assert.throws(() => addon().forward('lstm', ...args, short), /trace.gates holds 12431 floats, the shape needs 12432/);
  });

  it('give the same bits into arrays of any alignment (views of a WASM heap, plain arrays), so a seed replays exactly', () => {
    const random = createRandom(14);
    for (const cell of ['gru', 'lstm'] as const) {
      const width = gateCount(cell) * units;
      const weights = [randomArray(random, inputs * width), randomArray(random, units * width), randomArray(random, width)] as const;
      const x = randomArray(random, batch * steps * inputs);
      const [output, ...trace] = addon().forward(cell, batch, steps, inputs, units, x, ...weights, true, 2);
      const dy = randomArray(random, output.length);
      const sizes = [batch * steps * inputs, inputs * width, units * width, width];
      // Arrays starting 0, 4, 8 and 20 bytes into a buffer.
      const at = (offset: number) => sizes.map((n) => new Float32Array(n + 8).subarray(offset, offset + n)) as [Float32Array, Float32Array, Float32Array, Float32Array];
      const first = addon().backward(cell, batch, steps, inputs, units, weights[0], weights[1], ...trace, dy, true, 2, at(0));
      for (const offset of [1, 2, 5]) {
        const grads = addon().backward(cell, batch, steps, inputs, units, weights[0], weights[1], ...trace, dy, true, 2, at(offset));
        grads.forEach((array, k) => assert.deepEqual(array, first[k], `${cell}: gradient ${k} written ${4 * offset} bytes in`));
      }
      const [shifted] = addon().forward(cell, batch, steps, inputs, units, x, ...weights, true, 2, undefined, new Float32Array(output.length + 4).subarray(3, 3 + output.length));
      assert.deepEqual(shifted, output, `${cell}: output written 12 bytes in`);
    }
  });

  it('hand work to their thread pool correctly when the part count changes from call to call (30 000 calls, 8 threads)', () => {
    // batch 16, 4 steps: each forward call hands over 8 parts (the projection), then 2 (16 rows / 8). A worker that
    // took a job it was not part of could run the next job's part twice or not at all: the child then hangs
    // (killed by the timeout; before the fix it did within 7 000–13 000 calls) or computes other numbers.
    const script = `
      const addon = require(process.argv[1]);
      const f = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) / 2);
      const [B, T, F, u] = [16, 4, 2, 8];
      const args = ['gru', B, T, F, u, f(B * T * F, 1), f(F * 3 * u, 2), f(u * 3 * u, 3), f(3 * u, 4), true, 8];
      const [first] = addon.forward(...args);
      for (let i = 0; i < 30000; i++) {
        const [again] = addon.forward(...args);
        if (!again.every((v, j) => v === first[j])) throw new Error('call ' + i + ' computed other numbers');
      }
      console.log('ok');
    `;
    const output = execFileSync(process.execPath, ['-e', script, (cells as { file: string }).file], { encoding: 'utf8', timeout: 90_000 });
    assert.equal(output.trim(), 'ok');
  });

  it('refuse arrays that do not match the shape, naming the argument, and an unknown cell', () => {
    const width = 3 * units;
    const ok = {
      x: new Float32Array(batch * steps * inputs) as Float32Array,
      kernel: new Float32Array(inputs * width) as Float32Array,
      recurrent: new Float32Array(units * width) as Float32Array,
      bias: new Float32Array(width) as Float32Array,
    };
    const forward = (changes: Partial<typeof ok>, cell = 'gru') => {
      const a = { ...ok, ...changes };
      return () => addon().forward(cell as 'gru', batch, steps, inputs, units, a.x, a.kernel, a.recurrent, a.bias, true, 2);
    };
    assert.throws(forward({ x: new Float32Array(5) }), /x holds 5 floats, the shape needs 1295/);
    assert.throws(forward({ recurrent: new Float32Array(units * 4 * units) }), /recurrentKernel holds 576 floats, the shape needs 432/);
    assert.throws(forward({ bias: new Float64Array(width) as unknown as Float32Array }), /bias must be a Float32Array/);
    assert.throws(forward({}, 'rnn'), /cell must be 'gru' or 'lstm'/);
    const [, ...trace] = forward({})();
    const dy = new Float32Array(batch * steps * units);
    const shortGates = new Float32Array(trace[2]!.length - 1);
    assert.throws(
      () => addon().backward('gru', batch, steps, inputs, units, ok.kernel, ok.recurrent, trace[0]!, trace[1]!, shortGates, trace[3]!, dy, true, 2),
      /trace.gates holds 9323 floats, the shape needs 9324/,
    );
    assert.throws(() => addon().backward('gru', batch, steps, inputs, units, ok.kernel, ok.recurrent, ...trace, dy, false, 2), /dy holds 3108 floats, the shape needs 444/);
  });
});

describe('choosing the compiled cell loops', () => {
  it('take the x86-64-v3 build only on a CPU with every x86-64-v3 feature, the baseline build otherwise', () => {
    const v3 = new Set(['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave', 'sse4_2']);
    assert.equal(addonFileName('x64', v3), 'flts-cells-x86-64-v3.node');
    assert.equal(addonFileName('x64', new Set([...v3].filter((flag) => flag !== 'fma'))), 'flts-cells-x86-64.node');
    assert.equal(addonFileName('arm64', new Set()), 'flts-cells-arm64.node');
  });

  it('run on FLTS_RNN_THREADS threads when set, and refuse a value that is not a thread count', () => {
    assert.equal(recurrentThreads({ FLTS_RNN_THREADS: '3' }), 3);
    assert.ok(recurrentThreads({}) >= 1);
    for (const bad of ['0', '-1', '1.5', 'two']) assert.throws(() => recurrentThreads({ FLTS_RNN_THREADS: bad }), /FLTS_RNN_THREADS must be an integer from 1 to 256/);
  });

  it("count the CPUs a cgroup quota allows: the process's own cgroup and those above it, v2 and v1", () => {
    const files = (entries: Record<string, string>) => (path: string) => entries[path];
    // A Kubernetes pod limited to 1.5 CPUs inside a 4-CPU slice, seen without a cgroup namespace.
    const v2 = { '/proc/self/cgroup': '0::/kubepods/pod1/ctr', '/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max': 'max 100000', '/sys/fs/cgroup/kubepods/pod1/cpu.max': '150000 100000', '/sys/fs/cgroup/kubepods/cpu.max': '400000 100000', '/sys/fs/cgroup/cpu.max': 'max 100000' };
    assert.equal(cgroupCpuLimit(files(v2)), 2);
    // The same with a cgroup namespace: the container's cgroup is the root.
    assert.equal(cgroupCpuLimit(files({ '/proc/self/cgroup': '0::/', '/sys/fs/cgroup/cpu.max': '300000 100000' })), 3);
    const v1 = { '/proc/self/cgroup': '4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '50000', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000' };
    assert.equal(cgroupCpuLimit(files(v1)), 1);
    assert.equal(cgroupCpuLimit(files({ '/proc/self/cgroup': '0::/', '/sys/fs/cgroup/cpu.max': 'max 100000' })), undefined);
    assert.equal(cgroupCpuLimit(files({})), undefined);
  });

  it('FLTS_RNN_KERNEL names one of the kernels, or the error lists them', () => {
    assert.equal(kernelFromEnvironment({}), 'auto');
    assert.equal(kernelFromEnvironment({ FLTS_RNN_KERNEL: 'cell-loop' }), 'cell-loop');
    assert.throws(() => kernelFromEnvironment({ FLTS_RNN_KERNEL: 'fast' }), /FLTS_RNN_KERNEL must be one of auto, compiled, libtensorflow, cell-loop, reference, got 'fast'/);
  });

  it('without the addon, `auto` falls back to the backend kernels and says why; asking for it by name, or a bad thread count, is an error', () => {
    const script = [
      "const { chooseBackend } = await import('./shared/tf/backend.ts');",
      "const { layerKernelReport } = await import('./shared/models/recurrent/recurrent-layer.ts');",
      "await chooseBackend('wasm');",
      'console.log(JSON.stringify(layerKernelReport()));',
    ].join('\n');
    const run = (env: Record<string, string>) =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, FLTS_CELLS_ADDON: '/nonexistent/flts-cells.node', ...env }, encoding: 'utf8', stdio: 'pipe' });
    const report = JSON.parse(run({ FLTS_RNN_KERNEL: '' }).trim().split('\n').pop()!);
    assert.equal(report.kernel, 'cell-loop');
    assert.match(report.detail, /compiled cell loops unavailable: not built \(tools\/native-cells\/build.sh\); looked for \/nonexistent\/flts-cells.node/);
    assert.throws(() => run({ FLTS_RNN_KERNEL: 'compiled' }), (error: { stderr: string }) => /FLTS_RNN_KERNEL=compiled, but the compiled cell loops are not available/.test(error.stderr));
    // A thread count that is not one stops the run before training too, whichever kernel would run.
    assert.throws(() => run({ FLTS_RNN_KERNEL: '', FLTS_RNN_THREADS: 'two' }), (error: { stderr: string }) => /FLTS_RNN_THREADS must be an integer from 1 to 256, got 'two'/.test(error.stderr));
  });
});
