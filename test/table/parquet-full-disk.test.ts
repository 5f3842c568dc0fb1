/**
 * Both Parquet writers (parquet-wasm, streamed, and the native one) on a disk that fills up part-way (a tmpfs in a
 * user namespace): neither leaves a cut-off file in place as if it were whole — the write fails with ENOSPC naming
 * the file, and nothing is left.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { tempDir } from '../helpers/component.js';
import { canMountTmpfs } from '../helpers/full-disk.js';
import { parquetWriter } from '../../shared/table/parquet.js';

const parquetModule = fileURLToPath(new URL('../../shared/table/parquet.ts', import.meta.url));


const native = parquetWriter({}).kind === 'native' ? false : 'the native Parquet writer is not built (tools/native-parquet/build.sh)';

describe('Parquet on a disk that fills up', { skip: canMountTmpfs() ? false : 'unshare -rm with a tmpfs mount is not permitted here' }, () => {
  const cases = [200_000, 300_000].flatMap((rows) => [{ rows, writer: 'wasm', skip: false as const }, { rows, writer: 'native', skip: native }]);
  for (const { rows, writer, skip } of cases) {
    it(`${rows.toLocaleString('en')} rows on a 3 MiB tmpfs, ${writer} writer: StorageError ENOSPC naming the file, and no file left`, { skip }, async () => {
      const dir = await tempDir();
      const full = join(dir, 'full');
      await mkdir(full);
      // Random values (no dictionary, little compression): the file is larger than the tmpfs.
      const script = join(dir, 'write.mts');
      await writeFile(
        script,
        `import { writeParquetFile } from ${JSON.stringify(parquetModule)};
const n = ${rows};
const time = Float64Array.from({ length: n }, (_, i) => 1.7e12 + i * 60_000);
const values = Float64Array.from({ length: n }, () => Math.random());
try {
  const size = await writeParquetFile(process.argv[2] + '/out.parquet', { time, names: ['v'], columns: { v: values } }, {});
  console.log('written ' + size);
} catch (error) {
  console.log('failed ' + error.name + ': ' + error.message);
}
`,
      );
      const shell = ['mount -t tmpfs -o size=3m tmpfs "$1" || exit 99', '"$2" --import tsx "$3" "$1" 2>&1', 'echo "left: $(ls -A "$1" | tr "\\n" " ")"'].join('; ');
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile('unshare', ['-rm', 'sh', '-c', shell, 'sh', full, process.execPath, script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), env: { ...process.env, FLTS_PARQUET_WRITER: writer } }, (error, out, err) =>
          error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
        );
      });
      assert.match(stdout, /^failed StorageError: Cannot write .*out\.parquet: ENOSPC/m, stdout);
      assert.match(stdout, /^left: $/m, 'neither the file nor a temporary one is left');
    });
  }
});
