const root = process.argv[3]!;
const { readPlainCsvFile } = await import(`${root}/shared/table/csv-polars.ts`);
const { readTableFile } = await import(`${root}/shared/table/read-table.ts`);
const input = process.argv[2]!;
const t: number[] = [];
for (let i = 0; i < 25; i++) {
  const s = performance.now();
  await readTableFile(input, input, { timeColumn: 'time' }, readPlainCsvFile);
  t.push(performance.now() - s);
}
t.sort((a, b) => a - b);
console.log(root, 'median', t[12]!.toFixed(0), 'p25', t[6]!.toFixed(0));
