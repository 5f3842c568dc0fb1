/**
 * The project's error classes: one per kind of failure, all under `FltsError`, so that an entrypoint can
 * tell a user's mistake (exit code 2) from a failure at run time (exit code 1) and print one clear line.
 * Context travels as fields; the original error as `cause`.
 */

/** Base class of every error this project raises on purpose. */
export class FltsError extends Error {
  override name = 'FltsError';
  /** Process exit code an entrypoint uses for this kind of failure. */
  readonly exitCode: number = 1;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One problem with one input value, with the path of the value that is wrong. */
export interface ParameterIssue {
  /** The parameter name, or a dotted path inside it. */
  path: string;
  message: string;
}

/** A parameter (or several) has a missing, unknown or out-of-range value. All problems are reported together. */
export class InvalidParameterError extends FltsError {
  override name = 'InvalidParameterError';
  override readonly exitCode = 2;
  readonly issues: ParameterIssue[];

  constructor(issues: ParameterIssue[] | string) {
    const list = typeof issues === 'string' ? [{ path: '', message: issues }] : issues;
    // Each message is a sentence ending in a full stop, so they read one after the other.
    super(list.map((issue) => issue.message).join(' '));
    this.issues = list;
  }
}

/** The ExecutorInput is missing, malformed, or does not match the component's declared interface. */
export class ExecutorInputError extends FltsError {
  override name = 'ExecutorInputError';
  override readonly exitCode = 2;
}

/** An artifact cannot be read or written (I/O), or a component did not produce an output it declares. */
export class ArtifactError extends FltsError {
  override name = 'ArtifactError';
  /** The artifact's name in the component interface. */
  readonly artifact: string;

  constructor(artifact: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.artifact = artifact;
  }
}

/**
 * An input artifact is missing, or is not what the component takes (no file at its path, a model directory that is
 * not a model, metadata without the fields its producer writes): bad input, so exit code 2.
 */
export class InvalidArtifactError extends ArtifactError {
  override name = 'InvalidArtifactError';
  override readonly exitCode = 2;
}

/** Input data has the wrong shape or content: a missing column, unparseable timestamps, too few rows. */
export class DataError extends FltsError {
  override name = 'DataError';
  override readonly exitCode = 2;
}

/** Object storage (local file system, S3, MinIO) failed or refused a request. */
export class StorageError extends FltsError {
  override name = 'StorageError';
  /** The URI the failing operation addressed. */
  readonly uri: string;

  constructor(uri: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.uri = uri;
  }
}

/** The MLflow tracking server (or the offline store) failed or refused a request. */
export class TrackingError extends FltsError {
  override name = 'TrackingError';
  readonly status: number | undefined;
  readonly errorCode: string | undefined;

  constructor(message: string, options?: { cause?: unknown; status?: number; errorCode?: string }) {
    super(message, options);
    this.status = options?.status;
    this.errorCode = options?.errorCode;
  }
}

/** A model was used in a state that does not allow it (predict before fit, fit twice, a manifest that does not match). */
export class ModelStateError extends FltsError {
  override name = 'ModelStateError';
}

/** The message of any thrown value, for one-line reports. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
