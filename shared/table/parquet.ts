/**
 * Parquet through Apache Arrow and parquet-wasm: reading files that pandas/pyarrow write (snappy, zstd, …)
 * into a RawTable, and writing a SeriesFrame as Parquet that pandas reads back with the same values and
 * dtypes. Metadata goes both into the Arrow schema (what pyarrow/pandas show as `schema.metadata`) and into
 * Parquet's own key/value metadata (what any Parquet tool shows), as pyarrow itself does.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { DataError, FltsError, InvalidParameterError } from '../errors.js';
import { writeAtomically } from '../files.js';
import { frameRows, type FrameRows, type SeriesFrame } from '../series/frame.js';
import type { RawColumn, RawTable } from './raw-table.js';

/** The name of the timestamp column in every file we write. */
export const TIME_COLUMN = 'time';

export function readParquet(bytes: Uint8Array, source: string): { table: RawTable; metadata: Map<string, string> } {
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(parquet.readParquet(bytes).intoIPCStream());
  } catch (cause) {
    throw new DataError(`${source} is not a readable Parquet file: ${(cause as Error).message}`, { cause });
  }
  const names = table.schema.fields.map((field) => field.name);
  const columns: Record<string, RawColumn> = {};
  for (const field of table.schema.fields) {
    if (columns[field.name]) throw new DataError(`${source}: the column name "${field.name}" appears more than once.`);
    columns[field.name] = rawColumn(table.getChild(field.name)!, field.type);
  }
  return { table: { names, columns, rows: table.numRows }, metadata: new Map(table.schema.metadata) };
}

function rawColumn(vector: arrow.Vector, type: arrow.DataType): RawColumn {
  const n = vector.length;
  if (arrow.DataType.isTimestamp(type) || arrow.DataType.isDate(type)) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const value = vector.get(i) as number | bigint | Date | null;
      values[i] = value === null ? NaN : value instanceof Date ? value.getTime() : Number(value);
    }
    return { kind: 'time', values };
  }
  if (arrow.DataType.isInt(type) || arrow.DataType.isFloat(type) || arrow.DataType.isDecimal(type) || arrow.DataType.isBool(type)) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const value = vector.get(i) as number | bigint | boolean | null;
      values[i] = value === null ? NaN : Number(value);
    }
    return { kind: 'number', values };
  }
  const values = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const value = vector.get(i) as unknown;
    values[i] = value === null || value === undefined ? null : String(value);
  }
  return { kind: 'text', values };
}

export interface WriteParquetOptions {
  /** @default "snappy" */
  compression?: 'snappy' | 'zstd';
  /** Frame columns (epoch ms) to write as timestamp[ms, UTC] rather than float64. */
  timestampColumns?: readonly string[];
  /** Frame columns of whole numbers to write as int32 (a non-integer or out-of-range value is an error). */
  int32Columns?: readonly string[];
  /** Frame columns of 0/1 to write as bool (any other value is an error). */
  boolColumns?: readonly string[];
}

/**
 * Rows of the Parquet writer's row groups (arrow-rs' default, set explicitly): the writer is fed one batch of this
 * many rows at a time, so it holds one row group, not the whole frame, and the file is the same as one written whole.
 */
export const ROW_GROUP_ROWS = 1024 * 1024;

/**
 * `frame` as Parquet, streamed to `path` (atomically: a temporary name, then renamed): `time` (timestamp[ms, UTC])
 * first, then the columns in frame order (float64, or the type `options` gives them). A FrameRows source is read a
 * row group at a time, so a frame made on demand (scaled, say) never exists whole. Written by the native writer
 * where it is built (see parquetWriter), else by parquet-wasm. Returns the file's size.
 */
export async function writeParquetFile(path: string, frame: SeriesFrame | FrameRows, metadata: Record<string, string>, options: WriteParquetOptions = {}): Promise<number> {
  const writer = parquetWriter();
  let bytes = 0;
  await writeAtomically(path, async (temp) => {
    if (writer.kind === 'native') {
      await writeNative(writer.path, temp, frame, metadata, options);
      bytes = (await stat(temp)).size;
      return;
    }
    const file = await open(temp, 'w');
    try {
      await parquetChunks(frame, metadata, options, async (chunk) => {
        // A write may take less than the whole chunk (a disk filling up); the rest is written, or its error thrown.
        for (let at = 0; at < chunk.length; ) at += (await file.write(chunk, at)).bytesWritten;
        bytes += chunk.length;
      });
    } finally {
      await file.close();
    }
  });
  return bytes;
}

/**
 * Runs `writes` (each writing Parquet files) side by side where each file has a writer process of its own (the
 * native writer: small files are written on another core while a large one is), else one after another; either way
 * every write has ended before the first failure is thrown, so none is left running.
 */
export async function writeParquetFiles(writes: (() => Promise<unknown>)[]): Promise<void> {
  if (parquetWriter().kind !== 'native') {
    for (const write of writes) await write();
    return;
  }
  const failed = (await Promise.allSettled(writes.map((write) => write()))).find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

/** `frame` as Parquet bytes in memory (see writeParquetFile), always by parquet-wasm. */
export async function parquetBytes(frame: SeriesFrame | FrameRows, metadata: Record<string, string>, options: WriteParquetOptions = {}): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await parquetChunks(frame, metadata, options, (chunk) => void chunks.push(chunk));
  return Buffer.concat(chunks);
}

/**
 * Which Parquet writer writeParquetFile uses: `FLTS_PARQUET_WRITER` = `native` (an error if it is not built), `wasm`,
 * or `auto` (the default: native where built). The native writer (native/parquet/, tools/native-parquet/build.sh) is
 * arrow-rs' ArrowWriter compiled for the machine, the same crate version as parquet-wasm's, in a process of its own:
 * it writes the same file about three times as fast and on another core, while this process makes the next row group.
 * Found beside the running bundle (tools/build.ts copies it into dist/), else in native/parquet/build/.
 */
export function parquetWriter(env: NodeJS.ProcessEnv = process.env, candidates = nativeWriterPlaces()): { kind: 'native'; path: string } | { kind: 'wasm' } {
  const wanted = env.FLTS_PARQUET_WRITER ?? 'auto';
  if (!['auto', 'native', 'wasm'].includes(wanted)) throw new InvalidParameterError(`FLTS_PARQUET_WRITER is "${wanted}"; expected auto, native or wasm.`);
  if (wanted === 'wasm') return { kind: 'wasm' };
  const found = candidates.find((file) => existsSync(file));
  if (found) return { kind: 'native', path: found };
  if (wanted === 'native') throw new InvalidParameterError(`FLTS_PARQUET_WRITER is "native" but the native writer is not built (tools/native-parquet/build.sh); looked for ${candidates.join(', ')}.`);
  return { kind: 'wasm' };
}

/** The native writer's file name (native/parquet/build/, and beside the bundles). */
export const NATIVE_WRITER = 'flts-parquet';

/** Where the native writer is looked for, in order: beside the running bundle, then where the build script puts it. */
function nativeWriterPlaces(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, NATIVE_WRITER), join(here, '..', '..', 'native', 'parquet', 'build', NATIVE_WRITER)];
}

/** Writes `frame` to `temp` with the native writer at `binary`, fed by nativeWriterInput. */
async function writeNative(binary: string, temp: string, frame: SeriesFrame | FrameRows, metadata: Record<string, string>, options: WriteParquetOptions): Promise<void> {
  // Scaled rows are sent unscaled, with their map: the writer scales them on its core, and no scaled copy is made here.
  const scales = 'affine' in frame ? nativeScales(frame, options) : undefined;
  const input = scales ? frameRows((frame as FrameRows).affine!.source) : frame;
  const child = spawn(binary, [temp, options.compression ?? 'snappy', String(ROW_GROUP_ROWS), ...(scales ? [scales] : [])], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  // A program that cannot be started reports 'error' and may never 'close'.
  const exited = new Promise<{ code: number | null; signal?: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })).on('error', () => resolve({ code: null })),
  );
  const spawned = once(child, 'spawn');
  let failure: unknown;
  let killed = false;
  try {
    await spawned;
    // At most two row groups wait beside the one the writer encodes: one in the pipe's write buffer, one made ahead.
    await pipeline(Readable.from(nativeWriterInput(input, metadata, options), { highWaterMark: 1 }), child.stdin);
  } catch (error) {
    failure = error;
    // A broken pipe: the writer ended on its own (it closes stdin only by exiting), and its exit says why. Otherwise
    // the failure is ours (bad data) and the writer is stopped.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPIPE' && code !== 'ERR_STREAM_PREMATURE_CLOSE') killed = child.kill('SIGKILL');
  }
  const { code, signal } = await exited;
  // Bad data (a DataError from making a row group) is thrown as it is; otherwise the writer's own words tell why.
  if (failure instanceof FltsError) throw failure;
  if (code !== 0) {
    const errno = /\(os error (\d+)\)/.exec(stderr)?.[1];
    const name = errno ? Object.entries(osConstants.errno).find(([, number]) => number === Number(errno))?.[0] : undefined;
    // A signal we did not send (the kernel's out-of-memory killer, say) says more than the broken pipe it left.
    const why = stderr.trim() || (signal && !killed ? `${binary} was killed by ${signal}` : (failure as Error | undefined)?.message) || `${binary} exited with ${code}`;
    throw new Error(`${name ? `${name}: ` : ''}${why}`);
  }
  if (failure) throw failure;
}

/**
 * The native writer's SCALES argument for `frame`'s affine map (INDEX:CENTER:SCALE, the f64 as the hex of their bits;
 * native/parquet/src/main.rs), or undefined when a scaled column is written as another type than float64 (its
 * check is made on the scaled values, here) or nothing is scaled.
 */
function nativeScales(frame: FrameRows, options: WriteParquetOptions): string | undefined {
  const typed = new Set([...(options.timestampColumns ?? []), ...(options.int32Columns ?? []), ...(options.boolColumns ?? [])]);
  const scales = frame.affine!.scales;
  const scaled = frame.names.filter((name) => scales[name]);
  if (scaled.length === 0 || scaled.some((name) => typed.has(name))) return undefined;
  const bits = (value: number) => {
    const word = Buffer.alloc(8);
    word.writeDoubleBE(value);
    return word.toString('hex');
  };
  // Column 0 is the time.
  return scaled.map((name) => `${frame.names.indexOf(name) + 1}:${bits(scales[name]!.center)}:${bits(scales[name]!.scale)}`).join(',');
}

/** The first message of an Arrow IPC stream in `pieces` (its schema), as arrow-rs writes it in "ARROW:schema": marker, length, message. */
function leadingMessage(pieces: Uint8Array[]): Uint8Array {
  let head = Buffer.alloc(0);
  for (let i = 0; head.length < 8 || head.length < 8 + head.readInt32LE(4); i++) head = Buffer.concat([head, pieces[i]!]);
  return head.subarray(0, 8 + head.readInt32LE(4));
}

function keyValueHeader(pairs: [string, string][]): Uint8Array {
  const parts: Buffer[] = [u32(pairs.length)];
  for (const text of pairs.flat()) {
    const bytes = Buffer.from(text, 'utf8');
    parts.push(u32(bytes.length), bytes);
  }
  return Buffer.concat(parts);
}

/**
 * What the native writer reads (native/parquet/src/main.rs): the file's key/value metadata (a u32 count, then
 * u32-length-prefixed UTF-8 keys and values, in order, "ARROW:schema" last as arrow-rs writes it), then one Arrow IPC
 * stream per row group, each after its u64 length, then the end frame (END_FRAME and the number of rows): without it
 * (this process killed mid-file, say) the writer fails rather than finish the file. A stream is yielded in the pieces
 * Arrow's writer makes, the column buffers themselves among them: never copied into one buffer here.
 */
export async function* nativeWriterInput(frame: SeriesFrame | FrameRows, metadata: Record<string, string>, options: WriteParquetOptions = {}): AsyncGenerator<Uint8Array> {
  let first = true;
  for (const table of arrowRowGroups(frame, metadata, options)) {
    const pieces: Uint8Array[] = [];
    for await (const piece of arrow.RecordBatchStreamWriter.writeAll(table)) pieces.push(piece);
    if (first) yield keyValueHeader([...Object.entries(metadata), ['ARROW:schema', Buffer.from(leadingMessage(pieces)).toString('base64')]]);
    first = false;
    yield u64(pieces.reduce((sum, piece) => sum + piece.length, 0));
    yield* pieces;
  }
  yield Buffer.concat([u64(END_FRAME), u64('rows' in frame ? frame.length : frame.time.length)]);
}

/** The length that marks the end frame. */
const END_FRAME = 2n ** 64n - 1n;

function u64(value: number | bigint): Buffer {
  const word = Buffer.alloc(8);
  word.writeBigUInt64LE(BigInt(value));
  return word;
}

function u32(value: number): Buffer {
  const word = Buffer.alloc(4);
  word.writeUInt32LE(value);
  return word;
}

/**
 * `frame` as one Arrow table per row group (at least one, for an empty frame), each with the file's schema. Both
 * writers get whole row groups: arrow-rs cuts pages by runs of rows counted from the start of each batch it is given,
 * so the same batches make the same pages.
 */
function* arrowRowGroups(frame: SeriesFrame | FrameRows, metadata: Record<string, string>, options: WriteParquetOptions): Generator<arrow.Table> {
  const rows = 'rows' in frame ? frame : frameRows(frame);
  for (let start = 0; start === 0 || start < rows.length; start += ROW_GROUP_ROWS) {
    yield arrowTable(rows.rows(start, Math.min(rows.length, start + ROW_GROUP_ROWS)), start, metadata, options);
  }
}

async function parquetChunks(
  frame: SeriesFrame | FrameRows,
  metadata: Record<string, string>,
  options: WriteParquetOptions,
  sink: (chunk: Uint8Array) => unknown,
): Promise<void> {
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(options.compression === 'zstd' ? parquet.Compression.ZSTD : parquet.Compression.SNAPPY)
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .setKeyValueMetadata(new Map(Object.entries(metadata)))
    .build();
  // An error in making a batch (a value its Parquet type cannot hold) ends the stream; it is thrown as it was, not as
  // the writer's report of an errored source.
  let failure: unknown;
  const rowGroups = arrowRowGroups(frame, metadata, options);
  const batches = new ReadableStream<parquet.RecordBatch>({
    pull(controller) {
      try {
        const next = rowGroups.next();
        if (next.done) return controller.close();
        for (const batch of parquet.Table.fromIPCStream(arrow.tableToIPC(next.value, 'stream')).recordBatches()) controller.enqueue(batch);
      } catch (error) {
        failure = error;
        controller.error(error);
      }
    },
  });
  try {
    for await (const chunk of (await parquet.transformParquetStream(batches, properties)) as unknown as AsyncIterable<Uint8Array>) await sink(chunk);
  } catch (error) {
    throw failure ?? error;
  }
  if (failure) throw failure;
}

/** `frame`, rows from `firstRow` on of the whole, as an Arrow table with the file's schema and metadata. */
function arrowTable(frame: SeriesFrame, firstRow: number, metadata: Record<string, string>, options: WriteParquetOptions): arrow.Table {
  const timestamps = new Set(options.timestampColumns ?? []);
  const int32 = new Set(options.int32Columns ?? []);
  const bool = new Set(options.boolColumns ?? []);
  const columnVector = (name: string): arrow.Vector => {
    const values = frame.columns[name]!;
    if (timestamps.has(name)) return timestampVector(values);
    if (int32.has(name)) return arrow.makeVector(Int32Array.from(values, (value, row) => checkedValue(name, firstRow + row, value, Number.isInteger(value) && value === (value | 0))));
    if (bool.has(name)) return arrow.vectorFromArray(Array.from(values, (value, row) => checkedValue(name, firstRow + row, value, value === 0 || value === 1) === 1), new arrow.Bool());
    return arrow.makeVector(values);
  };
  const vectors: arrow.Vector[] = [timestampVector(frame.time), ...frame.names.map(columnVector)];
  const fields = [TIME_COLUMN, ...frame.names].map((name, i) => new arrow.Field(name, vectors[i]!.type, true));
  const schema = new arrow.Schema(fields, new Map(Object.entries(metadata)));
  const data = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: frame.time.length,
    children: vectors.map((vector) => vector.data[0]!),
  });
  return new arrow.Table(schema, new arrow.RecordBatch(schema, data));
}

function checkedValue(name: string, row: number, value: number, ok: boolean): number {
  if (!ok) throw new DataError(`Column "${name}" holds ${value} at row ${row}, which its Parquet type cannot hold.`);
  return value;
}

function timestampVector(ms: Float64Array): arrow.Vector {
  return arrow.makeVector(
    arrow.makeData({
      type: new arrow.TimestampMillisecond('UTC'),
      data: int64Of(ms),
      length: ms.length,
    }),
  );
}

/**
 * Whole numbers (rounded) as int64, written as two 32-bit halves: the same bits as BigInt(Math.round(value)) for
 * every value within ±2^53 (all timestamps), without a BigInt per value (0.2 s at 2 M rows).
 */
function int64Of(values: Float64Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const value = Math.round(values[i]!);
    if (!(Math.abs(value) <= Number.MAX_SAFE_INTEGER)) {
      out[i] = BigInt(value); // throws for NaN and ±Infinity, as before
      continue;
    }
    const high = Math.floor(value / 4294967296);
    words[2 * i] = value - high * 4294967296; // the low word, as its 32 bits (little-endian: first)
    words[2 * i + 1] = high;
  }
  return out;
}

/**
 * The row and column counts a Parquet file's footer records (`FileMetaData`, Thrift compact protocol: field 2 the
 * schema, whose leaf elements are the columns, field 3 num_rows), without decoding any data; `footer` is the
 * metadata bytes before the trailing length and "PAR1".
 */
export function parquetShape(footer: Uint8Array): { rows: number; columns: number } {
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = footer[at++];
      if (byte === undefined) throw new RangeError('Parquet footer ends early');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  const zigzag = (): bigint => {
    const n = varint();
    return (n >> 1n) ^ -(n & 1n);
  };
  const skip = (type: number): void => {
    if (type === 1 || type === 2) return;
    if (type === 3) at += 1;
    else if (type === 4 || type === 5 || type === 6) varint();
    else if (type === 7) at += 8;
    else if (type === 8) {
      const length = Number(varint()); // read before `at +=` reads `at`
      at += length;
    }
    else if (type === 9 || type === 10) {
      const header = footer[at++]!;
      const size = header >> 4 === 15 ? Number(varint()) : header >> 4;
      for (let i = 0; i < size; i++) skip(header & 0x0f);
    } else if (type === 11) {
      const size = Number(varint());
      if (size > 0) {
        const types = footer[at++]!;
        for (let i = 0; i < size; i++) {
          skip(types >> 4);
          skip(types & 0x0f);
        }
      }
    } else if (type === 12) struct(() => false);
    else throw new RangeError(`unknown Thrift type ${type}`);
  };
  /** Reads a struct's fields, handing each (id, type) to `read`, which returns true when it consumed the value. */
  const struct = (read: (id: number, type: number) => boolean): void => {
    let id = 0;
    for (;;) {
      const header = footer[at++];
      if (header === undefined) throw new RangeError('Parquet footer ends early');
      if (header === 0) return;
      const delta = header >> 4;
      const type = header & 0x0f;
      id = delta === 0 ? Number(zigzag()) : id + delta;
      if (!read(id, type)) skip(type);
    }
  };
  let rows = 0;
  let columns = 0;
  struct((id, type) => {
    if (id === 3 && type === 6) {
      rows = Number(zigzag());
      return true;
    }
    if (id === 2 && type === 9) {
      const header = footer[at++]!;
      const size = header >> 4 === 15 ? Number(varint()) : header >> 4;
      for (let i = 0; i < size; i++) {
        // A schema element with num_children (field 5) is the root or a group; the others are leaf columns.
        let group = false;
        struct((field) => {
          if (field === 5) group = true;
          return false;
        });
        if (!group) columns++;
      }
      return true;
    }
    return false;
  });
  return { rows, columns };
}
