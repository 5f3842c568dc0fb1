/**
 * Where a bare bucket name (a component's `claim_check_bucket`, `promotion_bucket`, `log_bucket`) points: the
 * S3/MinIO bucket when object storage is configured in the environment (an endpoint or credentials), and
 * otherwise a directory of that name under the local store root — the embedded default that lets the whole
 * pipeline run on one machine with nothing else installed. A URI or path is used as it is.
 */
import { resolve } from 'node:path';
import { s3ConfigFromEnv } from './s3-config.js';

/** The local store root: FLTS_LOCAL_STORE, else ./object-store. */
export function localStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env['FLTS_LOCAL_STORE'] || 'object-store');
}

/** `bucketOrUri` as a URI prefix: `s3://<bucket>` or `<local root>/<bucket>`, or unchanged when it already is one. */
export function bucketUri(bucketOrUri: string, env: NodeJS.ProcessEnv = process.env): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(bucketOrUri) || bucketOrUri.startsWith('/') || bucketOrUri.startsWith('.')) return bucketOrUri;
  const config = s3ConfigFromEnv(env);
  const objectStorage = config.endpointConfigured || config.accessKey !== undefined;
  return objectStorage ? `s3://${bucketOrUri}` : `${localStoreRoot(env)}/${bucketOrUri}`;
}
