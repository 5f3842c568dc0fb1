/** The pipeline settings the preprocess result tests start from (each case overrides some): the component's defaults but IQR clipping and a 10 % test split. */
import type { PreprocessOptions } from '../../shared/preprocess/pipeline.js';

export const PREPROCESS_OPTIONS: PreprocessOptions = {
  trainFile: 'raw.csv', testFile: '', timeColumn: 'time', targetColumn: 'down', featureColumns: [], frequency: '',
  imputation: 'time', outlierMethod: 'iqr', outlierFactor: 1.5, timeFeatures: true, lags: 0, lagStep: 1, scaler: 'minmax',
  validationFraction: 0.1, testFraction: 0.1, sampleTrainRows: 0, sampleTestRows: 0, sampleStrategy: 'head', hashSalt: '', maxGapSteps: 30,
};
