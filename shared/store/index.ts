/**
 * Object storage over URIs — local paths, `file://`, `s3://`, `minio://` — and the claim check that lets large
 * data stay in a bucket while a pointer travels in KFP artifact metadata.
 *
 * ```ts
 * const store = createStore();                          // S3 settings from the environment (s3-config.ts)
 * await store.upload('out/train.parquet', 's3://processed-data/run-7/train.parquet');
 * await store.download('minio://processed-data/run-7/train.parquet', '/tmp/train.parquet');
 * const pointer = await checkIn('out/train.parquet', 'processed-data', 'run-7/train.parquet');
 * const local = await resolveClaim(executor.inputArtifact('training_data')!);   // pointer or KFP-native bytes
 * ```
 *
 * Every failure is a StorageError naming the URI (and the endpoint for S3), never a credential.
 */
export { ObjectStore, createStore, defaultObjectStore, SMALL_OBJECT_LIMIT, type StoreOptions, type StoredObject } from './store.js';
export { compareText, type ListedObject } from './backend.js';
export { parseLocation, bucketNameProblem, childUri, fileUri, type Location, type LocalLocation, type ObjectLocation } from './location.js';
export { s3ConfigFromEnv, endpointLabel, requireObjectEndpoint, type S3Config } from './s3-config.js';
export {
  checkIn,
  resolveClaim,
  claimCheckMetadata,
  claimCheckFromMetadata,
  fileSha256,
  filesSha256,
  CLAIM_CHECK_KEYS,
  type ClaimCheck,
  type ClaimableArtifact,
  type ClaimCheckOptions,
  type ResolveOptions,
} from './claim-check.js';
export { bucketUri, localStoreRoot } from './bucket.js';
