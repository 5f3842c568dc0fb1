import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, PyFloat, pythonFloat } from '../../shared/preprocess/canonical-json.js';
import { hashConfig, type PreprocessConfig } from '../../shared/preprocess/config.js';
import { pythonJson } from '../helpers/python.js';

/** The configuration upstream FLTS ran with by default, expressed in our parameters. */
const upstreamDefault: PreprocessConfig = {
  trainFile: 'PobleSec.csv',
  testFile: 'PobleSec_test.csv',
  timeColumn: 'time',
  targetColumn: 'down',
  featureColumns: [],
  frequency: '',
  imputation: 'mean',
  outlierMethod: 'none',
  outlierFactor: 1.5,
  timeFeatures: true,
  lags: 0,
  lagStep: 1,
  scaler: 'minmax',
  validationFraction: 0,
  testFraction: 0.2,
  sampleTrainRows: 0,
  sampleTestRows: 0,
  sampleStrategy: 'head',
  hashSalt: '',
};

describe('hashConfig', () => {
  describe('for configurations upstream FLTS could express', () => {
    it('produces the verified canonical string of the default PobleSec config', () => {
      assert.equal(
        hashConfig(upstreamDefault).json,
        '{"_data":{"sample_strategy":"head","sample_test_rows":0,"sample_train_rows":0,"test_file":"PobleSec_test.csv","train_file":"PobleSec.csv"},"extra":{"hash_salt":""},"handle_nans":{"drop_rows":false,"enabled":true,"knn_neighbors":2,"threshold":0.33},"lags":{"enabled":false,"n_lags":0,"step":1},"outliers":{"enabled":false,"factor":1.5,"method":"iqr"},"scaling":{"add_constant":null,"method":"MinMaxScaler"},"time_features":{"enabled":true}}',
      );
    });

    // Golden vectors: hashes found in upstream's logs and reports (reference/upstream-flts.md §2.3).
    const golden: [string, number, number, string][] = [
      ['', 0, 0, '6ce79cfae0029f0499e5ca7a14f996ee0fe8c7d4f2a4bbf2fe78d3ae6b155ea9'],
      ['forceInfer1', 51, 31, 'eab7f59ada0acba006771c40c8eae95f37648e24d610f023cb6f29175e93d952'],
      ['forceInfer1', 50, 50, '8999be31be63d86d0bfcd155ea74a56b6192a9dfa2490f077d019571a6deed1f'],
      ['v2_prophet_fix', 50, 30, '6e59091b036af4edf0d03fabbfc167080accb7b998b442a8dfe4b16d0c991dcb'],
      ['e2e_auto_flow_nov4', 50, 50, 'eb6b5e16f3511014c92388ba6b80a5fd5598ccc6af7355175d49f38fbb579f96'],
    ];
    for (const [salt, trainRows, testRows, hash] of golden) {
      it(`matches upstream's ${hash.slice(0, 8)}… for salt "${salt}", samples ${trainRows}/${testRows}`, () => {
        const config = { ...upstreamDefault, hashSalt: salt, sampleTrainRows: trainRows, sampleTestRows: testRows };
        assert.equal(hashConfig(config).hash, hash);
      });
    }
  });

  describe('for settings upstream did not have', () => {
    it('records the imputation method beside the upstream keys', () => {
      assert.match(hashConfig({ ...upstreamDefault, imputation: 'time' }).json, /"handle_nans":\{"drop_rows":false,"enabled":true,"knn_neighbors":2,"method":"time","threshold":0.33\}/);
    });

    it('records the validation split and, without a test file, the test fraction', () => {
      const { json } = hashConfig({ ...upstreamDefault, testFile: '', validationFraction: 0.1 });
      assert.match(json, /"split":\{"test_fraction":0.2,"validation_fraction":0.1\}/);
    });

    it('records non-default columns and an explicit frequency', () => {
      const { json } = hashConfig({ ...upstreamDefault, targetColumn: 'up', featureColumns: ['rnti_count'], frequency: '2min' });
      assert.match(json, /"columns":\{"features":\["rnti_count"\],"target":"up"\},.*"frequency":"2min"/);
    });

    it('changes the hash whenever the data would change', () => {
      const base = hashConfig(upstreamDefault).hash;
      for (const change of [{ scaler: 'standard' }, { lags: 3 }, { outlierFactor: 2 }, { timeFeatures: false }] as Partial<PreprocessConfig>[]) {
        assert.notEqual(hashConfig({ ...upstreamDefault, ...change }).hash, base, JSON.stringify(change));
      }
    });
  });
});

describe('canonicalJson', () => {
  it('formats floats as Python does', () => {
    const cases: [number, string][] = [
      [2, '2.0'],
      [0.33, '0.33'],
      [1.5, '1.5'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [1e16, '1e+16'],
      [123456789012345.6, '123456789012345.6'],
      [1.5e300, '1.5e+300'],
      [-0.25, '-0.25'],
      [0, '0.0'],
    ];
    for (const [value, text] of cases) assert.equal(pythonFloat(value), text, String(value));
  });

  it('escapes strings as ensure_ascii does', () => {
    assert.equal(canonicalJson({ k: 'é"\\\n\u0001😀' }), '{"k":"\\u00e9\\"\\\\\\n\\u0001\\ud83d\\ude00"}');
  });

  it("agrees with Python's json.dumps on a mixed document", async () => {
    const value = { b: [1, new PyFloat(2), new PyFloat(1e-7), 'x'], a: { z: null, y: true, é: new PyFloat(0.1) } };
    const python = await pythonJson<string>(
      `import json; print(json.dumps(json.dumps({"b":[1,2.0,1e-07,"x"],"a":{"z":None,"y":True,"é":0.1}}, sort_keys=True, separators=(",",":"))))`,
    );
    assert.equal(canonicalJson(value), python);
  });
});
