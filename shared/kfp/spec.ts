/**
 * The typed interface of a component: inputs, outputs, types, defaults and descriptions, declared once in
 * TypeScript. The executor validates against it and `component.yaml` is generated from it.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** KFP IR parameter types (`pipeline_spec.proto` ParameterType). */
export type ParameterType = 'STRING' | 'NUMBER_INTEGER' | 'NUMBER_DOUBLE' | 'BOOLEAN' | 'LIST' | 'STRUCT';

/** The artifact types our components produce and consume (KFP `system.*` schema titles). */
export type ArtifactType =
  | 'system.Artifact'
  | 'system.Dataset'
  | 'system.Model'
  | 'system.Metrics'
  | 'system.HTML'
  | 'system.Markdown';

/** The JavaScript value each parameter type is coerced to. */
export interface ParameterValueMap {
  STRING: string;
  NUMBER_INTEGER: number;
  NUMBER_DOUBLE: number;
  BOOLEAN: boolean;
  LIST: JsonValue[];
  STRUCT: JsonObject;
}

export interface InputParameterSpec<T extends ParameterType = ParameterType> {
  type: T;
  /** What the parameter means, its unit and range; shown in the YAML and the README. */
  description: string;
  /** Applied when the ExecutorInput has no value (or `null`). Declaring a default makes the parameter optional. */
  default?: ParameterValueMap[T];
  /** Optional without a default: the value is `undefined` when not passed. */
  optional?: boolean;
  /** STRING only: the accepted values. */
  enum?: readonly string[];
  /** Numbers only: inclusive lower bound. */
  min?: number;
  /** Numbers only: inclusive upper bound. */
  max?: number;
  /** Numbers only: exclusive lower bound (e.g. "must be > 0"). */
  greaterThan?: number;
}

export interface ArtifactSpec {
  type: ArtifactType;
  description: string;
  /** Inputs only: the artifact may be absent. */
  optional?: boolean;
  /** Inputs only: a list of artifacts (`isArtifactList`). */
  list?: boolean;
}

export interface OutputParameterSpec {
  type: ParameterType;
  description: string;
}

export interface ComponentSpec {
  /** Component name, kebab-case (`train-gru`); the image is `flts-<name>`, unless `host` names another. */
  name: string;
  description: string;
  /**
   * Set for a small component that runs in another component's image as a subcommand of its bundle
   * (`node /app/dist/<component>.js <subcommand> --executor-input …`), so that it costs no image of its own.
   */
  host?: { component: string; subcommand: string };
  inputs: {
    parameters: Record<string, InputParameterSpec>;
    artifacts: Record<string, ArtifactSpec>;
  };
  outputs: {
    parameters: Record<string, OutputParameterSpec>;
    artifacts: Record<string, ArtifactSpec>;
  };
}

/** Declares a component interface, keeping its literal types so that parameters are typed in the component. */
export function defineComponent<const S extends ComponentSpec>(spec: S): S {
  return spec;
}

type ValueOf<P> = P extends { enum: readonly (infer E)[] }
  ? E
  : P extends { type: infer T extends ParameterType }
    ? ParameterValueMap[T]
    : never;

type ParameterValue<P> = P extends { default: unknown }
  ? ValueOf<P>
  : P extends { optional: true }
    ? ValueOf<P> | undefined
    : ValueOf<P>;

/** The validated values of a table of parameters, typed from it. */
export type ParameterValues<T extends Record<string, InputParameterSpec>> = {
  -readonly [K in keyof T]: ParameterValue<T[K]>;
};

/** The validated parameters of a component, typed from its spec. */
export type Parameters<S extends ComponentSpec> = ParameterValues<S['inputs']['parameters']>;

/** Output parameter values, typed from the spec. */
export type OutputParameters<S extends ComponentSpec> = {
  [K in keyof S['outputs']['parameters']]: ParameterValueMap[S['outputs']['parameters'][K]['type']];
};
