/**
 * The MAP fit as Prophet's `CmdStanPyBackend.fit` runs it: Newton when T < 100, otherwise L-BFGS with a
 * fall back to Newton when the line search fails; `fit_kwargs` (algorithm, iter, sig_figs, init and the
 * L-BFGS tolerances) as CmdStan takes them.
 */
import { InvalidParameterError } from '../../errors.js';
import { lbfgs, type LbfgsOptions, type OptimizerResult } from './lbfgs.js';
import { newton } from './newton.js';
import { toSignificant } from './numeric.js';
import { makeObjective, packParams, unpackParams, type ObjectiveFn } from './objective.js';
import { gramApplies, makeGramObjective } from './objective-gram.js';
import type { FitInfo, ModelInputData, ModelParams } from './types.js';

/** Keyword arguments of `Prophet.fit`, passed to the optimizer as Prophet passes them to CmdStan. */
export interface FitOptions extends Partial<LbfgsOptions> {
  /** 'LBFGS' or 'Newton'. @default 'Newton' when the history has fewer than 100 rows, else 'LBFGS' */
  algorithm?: 'LBFGS' | 'Newton';
  /**
   * Significant digits kept in the fitted parameters, as CmdStan's CSV output keeps them (`sig_figs`).
   * Porting note: unset means full precision, as R's rstan returns them.
   */
  sig_figs?: number;
  /** Run Newton when L-BFGS fails (the backend's `newton_fallback`). @default true */
  newton_fallback?: boolean;
  /** Starting values (a warm start); parts with the wrong shape fall back to Prophet's defaults. */
  init?: Partial<{ k: number; m: number; sigma_obs: number; delta: ArrayLike<number>; beta: ArrayLike<number> }>;
  /** Accepted and ignored, like CmdStan's seed for a MAP fit from given inits. */
  seed?: number;
}

/** Prophet's `warm_start_params`: a fitted model's parameters, to pass as `init` when refitting on more data. */
export function warmStartParams(params: ModelParams): NonNullable<FitOptions['init']> {
  return { k: params.k, m: params.m, sigma_obs: params.sigma_obs, delta: Array.from(params.delta), beta: Array.from(params.beta) };
}

/** Prophet's `sanitize_custom_inits`: user values where their shape fits, defaults elsewhere. */
export function sanitizeInits(defaults: ModelParams, custom: FitOptions['init']): ModelParams {
  if (!custom) return defaults;
  const scalar = (v: number | undefined, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  const vector = (v: ArrayLike<number> | undefined, d: Float64Array): Float64Array =>
    v && v.length === d.length ? Float64Array.from(v) : d;
  return {
    k: scalar(custom.k, defaults.k),
    m: scalar(custom.m, defaults.m),
    sigma_obs: scalar(custom.sigma_obs, defaults.sigma_obs),
    delta: vector(custom.delta, defaults.delta),
    beta: vector(custom.beta, defaults.beta),
  };
}

/** Runs the optimizer Prophet would run and returns the MAP parameters (rounded when `sig_figs` is set). */
export function optimize(data: ModelInputData, init: ModelParams, options: FitOptions = {}): { params: ModelParams; info: FitInfo } {
  const algorithm = options.algorithm ?? (data.T < 100 ? 'Newton' : 'LBFGS');
  if (algorithm !== 'LBFGS' && algorithm !== 'Newton') {
    throw new InvalidParameterError([{ path: 'algorithm', message: `algorithm must be "LBFGS" or "Newton"; got ${JSON.stringify(algorithm)}.` }]);
  }
  const fn = objectiveFor(data);
  const z0 = packParams(sanitizeInits(init, options.init));
  const iter = options.iter ?? 10000;
  let result: OptimizerResult | undefined;
  let used: FitInfo['algorithm'] = algorithm;
  let fellBackToNewton = false;
  if (algorithm === 'LBFGS') {
    try {
      result = lbfgs(fn, z0, { ...options, iter });
    } catch {
      result = undefined;
    }
    // CmdStan reports a failed line search (or a bad initial point) as an error; Prophet then runs Newton.
    if (result === undefined || result.returnCode < 0) {
      if (options.newton_fallback === false) {
        throw new InvalidParameterError([{ path: 'algorithm', message: 'Optimization terminated abnormally (L-BFGS line search failed) and newton_fallback is off.' }]);
      }
      result = undefined;
      used = 'Newton';
      fellBackToNewton = true;
    }
  }
  result ??= newton(fn, z0, iter);
  let params = unpackParams(result.x, data.S, data.K);
  if (options.sig_figs !== undefined) params = roundParams(params, options.sig_figs);
  return {
    params,
    info: { algorithm: used, lp: -result.f, returnCode: result.returnCode, iterations: result.iterations, fellBackToNewton },
  };
}

/** The objective for `data`: from sufficient statistics when the mean is linear in the parameters, else direct. */
export function objectiveFor(data: ModelInputData): ObjectiveFn {
  return gramApplies(data) ? makeGramObjective(data) : makeObjective(data);
}

/** Every parameter rounded to `digits` significant digits. */
function roundParams(p: ModelParams, digits: number): ModelParams {
  return {
    k: toSignificant(p.k, digits),
    m: toSignificant(p.m, digits),
    delta: p.delta.map((v) => toSignificant(v, digits)),
    sigma_obs: toSignificant(p.sigma_obs, digits),
    beta: p.beta.map((v) => toSignificant(v, digits)),
  };
}
