/**
 * The native Parquet writer (native/parquet/, arrow-rs in a process of its own) writes what parquet-wasm writes:
 * the same schema, values to the bit, metadata, row groups, encodings and compression, as pyarrow reads them; the
 * same bytes every time; the same errors for values a column's type cannot hold, with nothing left behind (and on a
 * full disk: parquet-full-disk.test.ts).
 * `FLTS_PARQUET_WRITER` chooses between them.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { DataError, InvalidParameterError } from '../../shared/errors.js';
import type { FrameRows, SeriesFrame } from '../../shared/series/frame.js';
import { scaledRows, scaleFrame, type Scaler } from '../../shared/series/scaler.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { nativeWriterInput, parquetWriter, readParquet, ROW_GROUP_ROWS, writeParquetFile, writeParquetFiles, type WriteParquetOptions } from '../../shared/table/parquet.js';
import { tempDir } from '../helpers/component.js';
import { childPids, procText } from '../helpers/processes.js';
import { pythonJson } from '../helpers/python.js';

const writer = parquetWriter({});
const skip = writer.kind === 'native' ? false : 'the native Parquet writer is not built (tools/native-parquet/build.sh)';

const ROWS = ROW_GROUP_ROWS + 20_000;
const OPTIONS: WriteParquetOptions = { timestampColumns: ['stamp'], int32Columns: ['hour'], boolColumns: ['weekend'] };
const METADATA = { preprocess_config: '{"b":2,"a":1}', config_hash: 'c0ffee', flts_dataset: JSON.stringify({ note: 'ünïcode ✓' }) };

function frameOf(rows: number): SeriesFrame {
  const time = new Float64Array(rows);
  const down = new Float64Array(rows);
  const stamp = new Float64Array(rows);
  const hour = new Float64Array(rows);
  const weekend = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    time[i] = Date.UTC(2024, 0, 1) + i * 60_000;
    down[i] = i % 13 === 0 ? NaN : Math.round(1e4 * Math.sin(i / 50)) / 7; // repeats: dictionary pages
    stamp[i] = time[i]! - 3_600_000;
    hour[i] = Math.floor(i / 60) % 24;
    weekend[i] = Math.floor(i / 1440) % 7 >= 5 ? 1 : 0;
  }
  return { time, names: ['down', 'stamp', 'hour', 'weekend'], columns: { down, stamp, hour, weekend } };
}

/** Writes `frame` with the writer `kind`; the writer is chosen per call from the environment. */
async function writeWith(kind: 'native' | 'wasm', path: string, frame: SeriesFrame | FrameRows, options = OPTIONS): Promise<number> {
  const before = process.env.FLTS_PARQUET_WRITER;
  process.env.FLTS_PARQUET_WRITER = kind;
  try {
    return await writeParquetFile(path, frame, METADATA, options);
  } finally {
    if (before === undefined) delete process.env.FLTS_PARQUET_WRITER;
    else process.env.FLTS_PARQUET_WRITER = before;
  }
}

const bits = (values: Float64Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe('the native Parquet writer', { skip }, () => {
  const frame = frameOf(ROWS);
  let dir: string;
  before(async () => {
    dir = await tempDir();
    await writeWith('wasm', join(dir, 'wasm.parquet'), frame);
    await writeWith('native', join(dir, 'native.parquet'), frame);
  });

  it('writes a file that reads back as the frame, to the bit, with its metadata', async () => {
    const bytes = await readFile(join(dir, 'native.parquet'));
    const { table, metadata } = readParquet(bytes, 'native.parquet');
    assert.equal(table.rows, ROWS);
    assert.deepEqual(table.names, ['time', ...frame.names]);
    assert.deepEqual(bits(table.columns['time']!.values as Float64Array), bits(frame.time));
    for (const name of frame.names) assert.deepEqual(bits(table.columns[name]!.values as Float64Array), bits(frame.columns[name]!), name);
    assert.deepEqual(Object.fromEntries(metadata), METADATA);
  });

  it("writes what parquet-wasm writes, as pyarrow sees it: schema, metadata, values, row groups, encodings, compression", async () => {
    // pandas' equals: NaN where NaN is counts as equal (pyarrow's does not).
    const seen = await pythonJson<Record<string, unknown>>(`
import json, pyarrow.parquet as pq
def describe(path):
    f = pq.ParquetFile(path)
    m = f.metadata
    groups = [[(m.row_group(g).num_rows, c.path_in_schema, c.compression, sorted(c.encodings), c.statistics.min if c.statistics and c.statistics.has_min_max else None, c.statistics.max if c.statistics and c.statistics.has_min_max else None, c.statistics.null_count if c.statistics else None)
               for c in (m.row_group(g).column(i) for i in range(m.num_columns))] for g in range(m.num_row_groups)]
    return f.schema_arrow, {k.decode(): v.decode() for k, v in m.metadata.items() if k != b'ARROW:schema'}, groups, f.read()
ws, wm, wg, wt = describe(${JSON.stringify(join(dir, 'wasm.parquet'))})
ns, nm, ng, nt = describe(${JSON.stringify(join(dir, 'native.parquet'))})
print(json.dumps({'schema': ns.equals(ws, check_metadata=True), 'schemaText': str(ns), 'metadata': nm == wm, 'groups': ng == wg, 'groupCount': len(ng),
                  'values': nt.to_pandas().equals(wt.to_pandas()), 'pandas': [str(t) for t in nt.to_pandas().dtypes]}, default=str))
`);
    assert.deepEqual(seen, {
      schema: true,
      schemaText: seen.schemaText,
      metadata: true,
      groups: true,
      groupCount: 2,
      values: true,
      pandas: ['datetime64[ms, UTC]', 'float64', 'datetime64[ms, UTC]', 'int32', 'bool'],
    });
    assert.match(String(seen.schemaText), /config_hash: 'c0ffee'/, 'the metadata is in the Arrow schema pyarrow reads');
  });

  it("writes the same pages as parquet-wasm, byte for byte: all of the file before the footer (whose ARROW:schema another Arrow encodes)", async () => {
    const body = (file: Buffer) => file.subarray(0, file.length - 8 - file.readUInt32LE(file.length - 8));
    const wasm = body(await readFile(join(dir, 'wasm.parquet')));
    const native = body(await readFile(join(dir, 'native.parquet')));
    assert.ok(wasm.length > ROWS, 'the pages of both row groups');
    assert.ok(native.equals(wasm));
  });

  it('scales rows itself (scaledRows: no scaled copy made in JavaScript) and writes what parquet-wasm writes from the scaled copy, NaN, infinities and −0 included', async () => {
    const wild = Float64Array.from({ length: ROWS }, (_, i) => [Infinity, -Infinity, -0, 0, NaN, 5e-324, 1.7976931348623157e308][i % 7]! + (i % 7 === 3 ? i / 3 : 0));
    const withWild: SeriesFrame = { ...frame, names: [...frame.names, 'wild'], columns: { ...frame.columns, wild } };
    const body = (file: Buffer) => file.subarray(0, file.length - 8 - file.readUInt32LE(file.length - 8));
    const scalers: Record<string, Scaler> = {
      'float64 columns': { method: 'minmax', columns: { down: { center: -1428.5714285714287, scale: 2857.1428571428573 }, wild: { center: 0.1, scale: 3 } } },
      'an int32 column among them (scaled here, where its type is checked)': { method: 'standard', columns: { down: { center: 0.5, scale: 7 }, hour: { center: 0, scale: 1 } } },
    };
    for (const [what, scaler] of Object.entries(scalers)) {
      await writeWith('wasm', join(dir, 'scaled-wasm.parquet'), scaledRows(scaler, withWild));
      await writeWith('native', join(dir, 'scaled-native.parquet'), scaledRows(scaler, withWild));
      const native = await readFile(join(dir, 'scaled-native.parquet'));
      assert.ok(body(native).equals(body(await readFile(join(dir, 'scaled-wasm.parquet')))), what);
      const expected = scaleFrame(scaler, withWild);
      const { table } = readParquet(native, 'scaled-native.parquet');
      for (const name of ['down', 'wild']) assert.deepEqual(bits(table.columns[name]!.values as Float64Array), bits(expected.columns[name]!), `${what}: ${name}`);
    }
  });

  it('writes files side by side, and throws the first failure only once every write has ended', async () => {
    const path = join(dir, 'side.parquet');
    const failure = new DataError('the second write fails at once');
    const writing = writeParquetFiles([() => writeParquetFile(path, frame, METADATA, OPTIONS), () => Promise.reject(failure)]);
    await assert.rejects(writing, (error) => error === failure);
    assert.equal(readParquet(await readFile(path), 'side.parquet').table.rows, ROWS, 'the first write had ended, its file whole');
  });

  it('writes the same bytes every time', async () => {
    await writeWith('native', join(dir, 'again.parquet'), frame);
    assert.ok((await readFile(join(dir, 'again.parquet'))).equals(await readFile(join(dir, 'native.parquet'))));
  });

  it('writes an empty frame as a file with the columns and no rows', async () => {
    const empty = frameOf(0);
    await writeWith('native', join(dir, 'empty.parquet'), empty);
    const { table, metadata } = readParquet(await readFile(join(dir, 'empty.parquet')), 'empty.parquet');
    assert.equal(table.rows, 0);
    assert.deepEqual(table.names, ['time', ...empty.names]);
    assert.equal(metadata.get('config_hash'), 'c0ffee');
  });

  it('refuses a value its column type cannot hold, in a later row group, as parquet-wasm does, and leaves no file', async () => {
    const bad = frameOf(ROWS);
    bad.columns['hour']![ROW_GROUP_ROWS + 7] = 2.5;
    const out = await tempDir();
    const errors = [];
    for (const kind of ['wasm', 'native'] as const) {
      errors.push(await writeWith(kind, join(out, `${kind}.parquet`), bad).then(() => assert.fail('written'), (error: unknown) => error));
    }
    for (const error of errors) assert.ok(error instanceof DataError);
    assert.equal((errors[1] as Error).message, (errors[0] as Error).message);
    assert.match((errors[1] as Error).message, new RegExp(`"hour" holds 2\\.5 at row ${ROW_GROUP_ROWS + 7}`));
    assert.deepEqual(await readdir(out), [], 'neither the file nor a temporary one is left');
  });

  it('fails on input cut short anywhere (as when this process dies mid-file), never finishing a file that looks whole', async () => {
    if (writer.kind !== 'native') return;
    const parts: Uint8Array[] = [];
    for await (const part of nativeWriterInput(frameOf(ROW_GROUP_ROWS + 10), METADATA, OPTIONS)) parts.push(part);
    const whole = Buffer.concat(parts);
    const frames = frameStarts(whole); // the first row group's, the second's, the end frame's
    assert.equal(frames.length, 3);
    const out = join(await tempDir(), 'cut.parquet');
    const run = (input: Buffer) => spawnSync(writer.path, [out, 'snappy', String(ROW_GROUP_ROWS)], { input, maxBuffer: 1 << 20 });
    assert.equal(run(whole).status, 0, 'the whole input writes the file');
    const cuts: Record<string, number> = {
      'after the first row group': frames[1]!,
      'inside the second frame\'s length': frames[1]! + 3,
      'after the second row group\'s schema': frames[1]! + 8 + 300,
      'before the end frame': frames[2]!,
      'inside the end frame': frames[2]! + 12,
    };
    for (const [where, bytes] of Object.entries(cuts)) {
      const result = run(whole.subarray(0, bytes));
      assert.equal(result.status, 1, `${where}: exit 1`);
      assert.match(String(result.stderr), /cut off|reading an Arrow (stream|batch)/, where);
    }
    const lying = Buffer.concat([whole.subarray(0, whole.length - 8), Buffer.from([1, 0, 0, 0, 0, 0, 0, 0])]);
    assert.match(String(run(lying).stderr), /says 1 rows were sent; 1048586 arrived/, 'a row count that disagrees');
    assert.ok(existsSync(out), 'what it wrote is left for the caller to remove (writeParquetFile writes to a temporary name)');
  });

  it('refuses a SCALES argument it cannot apply, naming the item or the column', async () => {
    if (writer.kind !== 'native') return;
    const binary = writer.path;
    const parts: Uint8Array[] = [];
    for await (const part of nativeWriterInput(frameOf(10), METADATA, OPTIONS)) parts.push(part);
    const out = join(await tempDir(), 'scaled.parquet');
    const one = '3ff0000000000000'; // 1.0
    const cases: Record<string, RegExp> = {
      [`1:${one}`]: /SCALES item "1:3ff0000000000000" is not INDEX:CENTER:SCALE/,
      [`1:${one}:1.0`]: /is not INDEX:CENTER:SCALE \(two f64 as 16 hex digits\)/,
      [`9:${one}:${one}`]: /SCALES names column 9; the schema has 5/,
      [`3:${one}:${one}`]: /SCALES names column 3, which is not float64/, // hour: int32
    };
    for (const [scales, message] of Object.entries(cases)) {
      const result = spawnSync(binary, [out, 'snappy', String(ROW_GROUP_ROWS), scales], { input: Buffer.concat(parts) });
      assert.equal(result.status, 1, scales);
      assert.match(String(result.stderr), message, scales);
    }
  });

  it('killed while it writes (as by the out-of-memory killer): a StorageError naming the file and the signal, and no file left', async () => {
    const out = await tempDir();
    const path = join(out, 'killed.parquet');
    const writing = writeWith('native', path, frameOf(3 * ROW_GROUP_ROWS));
    const writer = await childNamed('flts-parquet');
    process.kill(writer, 'SIGKILL');
    await assert.rejects(writing, (error: Error) => error.name === 'StorageError' && error.message.includes(path) && /killed by SIGKILL/.test(error.message));
    assert.deepEqual(await readdir(out), []);
  });
});

/** The pid of this process's child running `name`, once it runs (polled: it starts after the first row group is made). */
async function childNamed(name: string): Promise<number> {
  for (let tries = 0; tries < 500; tries++) {
    const pid = childPids().find((child) => procText(`/proc/${child}/comm`).trim() === name);
    if (pid !== undefined) return pid;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no child process ${name} appeared`);
}

describe('FLTS_PARQUET_WRITER', () => {
  it('wasm is parquet-wasm, whether or not the native writer is built', () => {
    assert.deepEqual(parquetWriter({ FLTS_PARQUET_WRITER: 'wasm' }), { kind: 'wasm' });
  });

  it('auto (the default) is the native writer where it is built, else parquet-wasm', () => {
    assert.deepEqual(parquetWriter({ FLTS_PARQUET_WRITER: 'auto' }), writer);
    assert.equal(writer.kind === 'native', writer.kind === 'native' && writer.path.endsWith('flts-parquet'));
  });

  it('native where it is not built is an error saying where it looked; auto is then parquet-wasm', () => {
    const nowhere = ['/nonexistent/dist/flts-parquet', '/nonexistent/native/parquet/build/flts-parquet'];
    assert.throws(() => parquetWriter({ FLTS_PARQUET_WRITER: 'native' }, nowhere), (error: Error) =>
      error instanceof InvalidParameterError && error.message.includes('FLTS_PARQUET_WRITER is "native" but the native writer is not built') && error.message.includes(nowhere.join(', ')),
    );
    assert.deepEqual(parquetWriter({}, nowhere), { kind: 'wasm' });
  });

  it('anything else is refused, naming the variable and the choices', () => {
    assert.throws(() => parquetWriter({ FLTS_PARQUET_WRITER: 'arrow' }), (error: Error) => error instanceof InvalidParameterError && /FLTS_PARQUET_WRITER is "arrow"; expected auto, native or wasm/.test(error.message));
  });
});

/** Where each frame (u64 length, then that many bytes; the end frame's length is 2^64 − 1) starts in the writer's input. */
function frameStarts(input: Buffer): number[] {
  let at = 4;
  for (let pair = 0; pair < 2 * input.readUInt32LE(0); pair++) at += 4 + input.readUInt32LE(at);
  const starts: number[] = [];
  for (;;) {
    starts.push(at);
    const length = input.readBigUInt64LE(at);
    if (length === 2n ** 64n - 1n) return starts;
    at += 8 + Number(length);
  }
}
