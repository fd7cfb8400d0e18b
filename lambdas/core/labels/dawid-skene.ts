import type { VoteTable } from './vote-table.ts';

/**
 * EM stops when the largest absolute change of any item's posterior in one step is below this.
 * A relative log-likelihood test (1e-6) stopped while labels were still moving: on 600 items it
 * allowed a log-likelihood change of ~2e-3 and left up to 10 labels off the fixed point.
 */
export const DS_TOLERANCE = 1e-7;
/** EM's cap on E-steps; reaching it is reported (`converged: false`), never hidden. */
export const DS_MAX_ITERATIONS = 1000;
/** Additive smoothing of the class prior and of every confusion-matrix cell (a Dirichlet prior). */
const SMOOTH = 0.01;
/** Extrapolations tried (each costs an E-step) before falling back to the plain EM step. */
const MAX_JUMP_TRIES = 3;

export interface EmResult {
  /** Posteriors, item-major (item·K + k); gold tasks fixed to their gold label. */
  readonly posterior: Float64Array;
  /** E-steps run (each costs one pass over the votes). */
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * Dawid & Skene (1979) EM from the given start posteriors, as a map on the parameters θ = (class
 * prior p, confusion matrices π[j][true][given]), accelerated by SQUAREM (Varadhan & Roland 2008,
 * "Simple and globally convergent methods for accelerating the convergence of any EM algorithm",
 * scheme S3): from θ₀ two EM steps give θ₁, θ₂; with r = θ₁ − θ₀, v = θ₂ − 2θ₁ + θ₀ and
 * α = −‖r‖/‖v‖ (at most −1) the point θ₀ − 2αr + α²v is tried, then one EM step from it; it is
 * kept when it lies in the simplex and its penalised log-likelihood is at least θ₁'s, else α is
 * halved toward −1 (θ₂ itself) a few times, as the paper's backtracking does. Plain
 * EM crawls along the flat ridges a near-random annotator creates (15,000 steps on 3,000 items);
 * accepted extrapolations keep EM's monotone ascent and its fixed point. Stops when one plain EM
 * step moves no posterior by `tolerance` or more.
 */
export function runEm(
  table: VoteTable,
  start: Float64Array,
  options: { readonly maxIterations?: number; readonly tolerance?: number } = {},
): EmResult {
  const em = new EmModel(table);
  const maxIterations = options.maxIterations ?? DS_MAX_ITERATIONS;
  const tolerance = options.tolerance ?? DS_TOLERANCE;
  em.fixGoldAndNormalise(start);
  let posterior = start;
  let theta = em.mStep(posterior);
  let iterations = 0;
  // Posterior buffers (n·K floats each) are recycled: at most three exist at once.
  const spare: Float64Array[] = [];
  const release = (buffer: Float64Array) => void spare.push(buffer);
  /** One EM step from θ: E(θ) with θ's objective, and the next θ = M(E(θ)). */
  const step = (from: Float64Array) => {
    iterations++;
    const post = spare.pop() ?? new Float64Array(posterior.length);
    const objective = em.eStep(from, post);
    return { post, objective, theta: em.mStep(post) };
  };
  // Converged when one plain EM step moves no posterior by `tolerance` or more.
  const settled = (post: Float64Array, before: Float64Array) => maxChange(post, before) < tolerance;
  while (iterations < maxIterations) {
    const from = theta;
    const one = step(from);
    if (settled(one.post, posterior)) return { posterior: one.post, iterations, converged: true };
    release(posterior);
    [posterior, theta] = [one.post, one.theta];
    if (iterations + 2 > maxIterations) continue;
    const two = step(one.theta);
    if (settled(two.post, one.post)) return { posterior: two.post, iterations, converged: true };
    release(one.post);
    [posterior, theta] = [two.post, two.theta];
    // SQUAREM's step length, halved toward −1 (which is θ₂ itself) while the point leaves the
    // simplex or lowers the objective below θ₁'s; EM only climbs from an accepted point.
    let alpha = em.stepLength(from, one.theta, two.theta);
    for (let tries = 0; alpha < -1 && tries < MAX_JUMP_TRIES; alpha = (alpha - 1) / 2) {
      const jump = em.extrapolate(from, one.theta, two.theta, alpha);
      if (!jump) continue;
      if (iterations >= maxIterations) break;
      tries++;
      const landed = step(jump);
      if (landed.objective >= two.objective) {
        release(posterior);
        [posterior, theta] = [landed.post, landed.theta];
        break;
      }
      release(landed.post);
    }
  }
  return { posterior, iterations, converged: false };
}

function maxChange(a: Float64Array, b: Float64Array): number {
  let change = 0;
  for (let i = 0; i < a.length; i++)
    change = Math.max(change, Math.abs((a[i] as number) - (b[i] as number)));
  return change;
}

/**
 * θ as one flat array: K class priors, then π at K + (j·K + k)·K + l. The votes are copied once
 * into flat arrays (4 bytes per vote and per item), item-major, each as its offset j·K·K + l into
 * π, because EM walks them a hundred times and the vote table's linked lists are slow to walk.
 */
class EmModel {
  private readonly K: number;
  private readonly J: number;
  private readonly n: number;
  /** Item i's votes are codes[firstVote[i] .. firstVote[i + 1]). */
  private readonly firstVote: Int32Array;
  private readonly codes: Int32Array;
  private readonly gold: Int32Array;

  constructor(table: VoteTable) {
    const K = table.labels.length;
    this.K = K;
    this.J = table.annotators.length;
    this.n = table.itemCount;
    this.firstVote = new Int32Array(this.n + 1);
    this.gold = new Int32Array(this.n);
    let votes = 0;
    for (let item = 0; item < this.n; item++)
      for (let v = table.firstVote(item); v >= 0; v = table.nextVote(v)) votes++;
    this.codes = new Int32Array(votes);
    let at = 0;
    for (let item = 0; item < this.n; item++) {
      this.firstVote[item] = at;
      this.gold[item] = table.goldOf(item);
      for (let v = table.firstVote(item); v >= 0; v = table.nextVote(v))
        this.codes[at++] = table.annotatorOf(v) * K * K + table.labelOf(v);
    }
    this.firstVote[this.n] = at;
  }

  /** Gold tasks to their gold label, every other item's scores to probabilities. */
  fixGoldAndNormalise(p: Float64Array): void {
    const { K, n } = this;
    for (let item = 0; item < n; item++) {
      const gold = this.gold[item] as number;
      let total = 0;
      for (let k = 0; k < K; k++) total += p[item * K + k] as number;
      for (let k = 0; k < K; k++)
        p[item * K + k] = gold >= 0 ? Number(k === gold) : (p[item * K + k] as number) / total;
    }
  }

  /** M-step: the MAP priors and confusion matrices given soft labels (SMOOTH pseudo-counts). */
  mStep(posterior: Float64Array): Float64Array {
    const { K, J, n, firstVote, codes } = this;
    const theta = new Float64Array(K + J * K * K);
    for (let i = 0; i < n * K; i++) theta[i % K]! += posterior[i] as number;
    for (let k = 0; k < K; k++) theta[k] = ((theta[k] as number) + SMOOTH) / (n + K * SMOOTH);
    theta.fill(SMOOTH, K);
    for (let item = 0; item < n; item++) {
      const at = item * K;
      for (let v = firstVote[item] as number; v < (firstVote[item + 1] as number); v++) {
        const cell = K + (codes[v] as number);
        for (let k = 0; k < K; k++) theta[cell + k * K]! += posterior[at + k] as number;
      }
    }
    for (let r = 0; r < J * K; r++) {
      const at = K + r * K;
      let total = 0;
      for (let l = 0; l < K; l++) total += theta[at + l] as number;
      for (let l = 0; l < K; l++) theta[at + l] = (theta[at + l] as number) / total;
    }
    return theta;
  }

  /**
   * E-step: writes the posteriors given θ (computed in log space) into `post`, and returns the
   * objective EM with SMOOTH pseudo-counts ascends at θ: the log-likelihood of the votes (gold
   * tasks at their gold label) plus the log Dirichlet prior SMOOTH·Σ log θ.
   */
  eStep(theta: Float64Array, post: Float64Array): number {
    const { K, n, firstVote, codes } = this;
    const logTheta = theta.map(Math.log);
    let objective = 0;
    for (const x of logTheta) objective += SMOOTH * x;
    for (let item = 0; item < n; item++) {
      const at = item * K;
      for (let k = 0; k < K; k++) post[at + k] = logTheta[k] as number;
      for (let v = firstVote[item] as number; v < (firstVote[item + 1] as number); v++) {
        const cell = K + (codes[v] as number);
        for (let k = 0; k < K; k++) post[at + k]! += logTheta[cell + k * K] as number;
      }
      const gold = this.gold[item] as number;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) max = Math.max(max, post[at + k] as number);
      let sum = 0;
      if (gold >= 0) objective += post[at + gold] as number;
      for (let k = 0; k < K; k++) {
        post[at + k] = Math.exp((post[at + k] as number) - max);
        sum += post[at + k] as number;
      }
      if (gold < 0) objective += max + Math.log(sum);
    }
    this.fixGoldAndNormalise(post);
    return objective;
  }

  /** SQUAREM's α = −‖r‖/‖v‖ for θ₀, θ₁ = F(θ₀), θ₂ = F(θ₁), at most −1. */
  stepLength(t0: Float64Array, t1: Float64Array, t2: Float64Array): number {
    let rr = 0;
    let vv = 0;
    for (let i = 0; i < t0.length; i++) {
      const r = (t1[i] as number) - (t0[i] as number);
      const v = (t2[i] as number) - 2 * (t1[i] as number) + (t0[i] as number);
      rr += r * r;
      vv += v * v;
    }
    return vv > 0 ? Math.min(-1, -Math.sqrt(rr / vv)) : -1;
  }

  /**
   * θ₀ − 2αr + α²v: the weights (1 + α)², −2α(1 + α), α² sum to 1, so every prior and confusion
   * row still sums to 1; undefined when an entry leaves (0, 1).
   */
  extrapolate(
    t0: Float64Array,
    t1: Float64Array,
    t2: Float64Array,
    alpha: number,
  ): Float64Array | undefined {
    const out = new Float64Array(t0.length);
    for (let i = 0; i < t0.length; i++) {
      const r = (t1[i] as number) - (t0[i] as number);
      const v = (t2[i] as number) - 2 * (t1[i] as number) + (t0[i] as number);
      const x = (t0[i] as number) - 2 * alpha * r + alpha * alpha * v;
      if (!(x > 0 && x < 1)) return undefined;
      out[i] = x;
    }
    return out;
  }
}
