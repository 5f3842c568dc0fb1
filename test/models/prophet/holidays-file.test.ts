import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readHolidays } from '../../../shared/models/prophet/holidays-file.js';
import { tempDir } from '../../helpers/component.js';

describe('readHolidays', () => {
  it('reads Prophet holiday columns from a CSV, dates as UTC days', async () => {
    const path = join(await tempDir(), 'holidays.csv');
    await writeFile(path, 'holiday,ds,lower_window,upper_window\nmerce,2018-09-24,-1,1\nsant_joan,2018-06-24,0,0\n');
    const table = await readHolidays(path);
    assert.deepEqual(table.holiday, ['merce', 'sant_joan']);
    assert.deepEqual(Array.from(table.ds), [Date.UTC(2018, 8, 24), Date.UTC(2018, 5, 24)]);
    assert.deepEqual(Array.from(table.lower_window!), [-1, 0]);
    assert.deepEqual(Array.from(table.upper_window!), [1, 0]);
    assert.equal(table.prior_scale, undefined);
  });

  it('names the missing columns and the ones that exist', async () => {
    const path = join(await tempDir(), 'holidays.csv');
    await writeFile(path, 'name,date\nmerce,2018-09-24\n');
    await assert.rejects(readHolidays(path), { name: 'DataError', message: `The holidays table ${path} lacks column(s) holiday, ds; it has: name, date.` });
  });

  it('shows the row of an unparseable date', async () => {
    const path = join(await tempDir(), 'holidays.csv');
    await writeFile(path, 'holiday,ds\nmerce,2018-09-24\nlater,someday\n');
    await assert.rejects(readHolidays(path), { message: `The holidays table ${path} has an unparseable date in row 2.` });
  });
});
