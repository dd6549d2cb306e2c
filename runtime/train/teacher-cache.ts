// Teacher-output caching. A frozen teacher that sees the same inputs every epoch (no augmentation)
// and is deterministic in inference mode gives the same outputs every epoch, so they are computed
// once and served from memory afterwards.
//
// - What is cached: only the taps the objective reads (`logits`, `hidden[1]`, …), recorded during
//   the stage's first step through a proxy around each teacher's Outputs. Raw values (logits, not
//   probabilities), so temperature schedules still apply.
// - Keyed by content: each batch row is identified by a hash of its input values, so any batch
//   order maps to the right rows and a row that changed can never be served stale. The cache as a
//   whole is keyed by the teacher's weights (a hash of every variable's data), the split's
//   fingerprint and its declared preprocessing; a teacher trained between two stages gets a new key.
// - Filled during the first epoch from the live forward passes the loop runs anyway; from then on
//   a batch whose rows are all cached skips the teacher's forward pass entirely.
// - A tap the objective did not read in the first step but reads later is computed live for that
//   step (correct, only slower), with a one-time note.
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import type { Batch, Model, Outputs, Split, StageSpec, TeacherCacheDecision } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { stopGradient } from "../losses/stop-gradient.js";

/** Default memory for teacher caches under `cacheTeachers: "auto"`. */
export const DEFAULT_CACHE_BUDGET = 2 ** 30;

// ---- rows ----

/**
 * One key per row of `input` (axis 0): two independent 32-bit hashes of the row's bytes and its
 * width. Rows with the same key have the same values (up to a ~2⁻⁶⁴ collision), and a teacher
 * that is deterministic per row gives them the same outputs.
 */
export function rowKeys(input: tf.Tensor): string[] {
  const rows = input.shape[0] ?? 1;
  const data = input.dataSync() as Float32Array | Int32Array;
  // Signed 32-bit words and `| 0` everywhere keep V8 on integer arithmetic (~0.5 ms for 128×784).
  const words = new Int32Array(data.buffer, data.byteOffset, data.length);
  const width = rows === 0 ? 0 : words.length / rows;
  const keys = new Array<string>(rows);
  for (let r = 0; r < rows; r++) {
    let h1 = (0x811c9dc5 ^ width) | 0;
    let h2 = 0x9747b28c | 0;
    for (let i = r * width, end = i + width; i < end; i++) {
      const w = words[i]! | 0;
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h1 = h1 ^ (h1 >>> 15);
      let k = Math.imul(w, 0xcc9e2d51 | 0);
      k = (k << 15) | (k >>> 17);
      h2 = h2 ^ Math.imul(k, 0x1b873593);
      h2 = (Math.imul((h2 << 13) | (h2 >>> 19), 5) + (0xe6546b64 | 0)) | 0;
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b | 0);
    h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35 | 0);
    keys[r] = `${(h1 >>> 0).toString(36)}.${((h2 ^ (h2 >>> 16)) >>> 0).toString(36)}`;
  }
  return keys;
}

/** sha256 of a model's kind, variable shapes and data: the cache key's weights part. */
export async function weightsFingerprint(model: Model): Promise<string> {
  const hash = createHash("sha256").update(`${model.kind}\n`);
  for (const v of model.variables) {
    const data = (await v.data()) as Float32Array | Int32Array;
    hash.update(`${v.dtype}[${v.shape.join(",")}]\n`).update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest("hex");
}

// ---- taps ----

/** A tap path: `logits`, or `hidden.1` for element 1 of an array-valued tap. */
type TapPath = string;

/** What the objective read of one model's Outputs: key → the whole value, or some array indices. */
type Reads = Map<string, true | Set<number>>;

/** Wraps `outputs` so that reading a tap is recorded in `reads` (values are returned unchanged). */
function recording(outputs: Outputs, reads: Reads): Outputs {
  return new Proxy(outputs, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== "string") return value;
      if (value instanceof tf.Tensor) reads.set(prop, true);
      else if (Array.isArray(value)) return recordingArray(value, prop, reads);
      return value;
    },
  });
}

function recordingArray(array: readonly unknown[], key: string, reads: Reads): readonly unknown[] {
  return new Proxy(array, {
    get(target, prop, receiver) {
      const index = typeof prop === "string" && /^\d+$/.test(prop) ? Number(prop) : undefined;
      const seen = reads.get(key);
      if (index !== undefined) {
        if (seen !== true) reads.set(key, (seen ?? new Set<number>()).add(index));
      } else if (prop !== "length") {
        reads.set(key, true); // iterated, mapped, spread: the whole array
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** The tensors of `outputs` that `reads` names, by tap path. */
function tapsRead(outputs: Outputs, reads: Reads): Map<TapPath, tf.Tensor> {
  const taps = new Map<TapPath, tf.Tensor>();
  for (const [key, which] of reads) {
    const value: unknown = (outputs as unknown as Record<string, unknown>)[key];
    if (value instanceof tf.Tensor) taps.set(key, value);
    else if (Array.isArray(value)) {
      value.forEach((t: unknown, i) => {
        if (t instanceof tf.Tensor && (which === true || which.has(i))) taps.set(`${key}.${i}`, t);
      });
    }
  }
  return taps;
}

/**
 * Outputs served from `cached` tensors; any other tap comes from `live()` (a forward pass run on
 * demand, inside the tape, so its tensors go through a zero gradient).
 */
function servedOutputs(cached: ReadonlyMap<TapPath, tf.Tensor>, live: () => Outputs): Outputs {
  const arrays = new Set([...cached.keys()].filter((p) => p.includes(".")).map((p) => p.slice(0, p.indexOf("."))));
  return new Proxy({} as Outputs, {
    get(_target, prop) {
      // Not taps: symbols (inspection) and `then` (promise checks) must not start a forward pass.
      if (typeof prop !== "string" || prop === "then") return undefined;
      const hit = cached.get(prop);
      if (hit) return hit;
      if (!arrays.has(prop)) return (live() as unknown as Record<string, unknown>)[prop];
      return new Proxy([] as unknown[], {
        get(_t, p) {
          const element = typeof p === "string" && /^\d+$/.test(p) ? cached.get(`${prop}.${p}`) : undefined;
          if (element) return element;
          const whole = (live() as unknown as Record<string, unknown[]>)[prop]!;
          return Reflect.get(whole, p);
        },
      });
    },
    has(_target, prop) {
      if (typeof prop === "string" && (cached.has(prop) || arrays.has(prop))) return true;
      return Reflect.has(live(), prop);
    },
  });
}

/** Every tensor in `outputs` through stopGradient (a frozen model's outputs computed on the tape). */
function frozenCopy(outputs: Outputs): Outputs {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(outputs)) {
    out[key] = value instanceof tf.Tensor ? stopGradient(value) : Array.isArray(value) ? value.map((t: unknown) => (t instanceof tf.Tensor ? stopGradient(t) : t)) : value;
  }
  return out as unknown as Outputs;
}

// ---- one teacher's cache ----

interface TapStore {
  readonly path: TapPath;
  /** Rows of the tap per example: 1, or T for per-position taps such as [B·T, vocab] logits. */
  readonly perExample: number;
  readonly rowShape: readonly number[];
  /** Values per example. */
  readonly width: number;
  readonly dtype: "float32" | "int32";
  data: Float32Array | Int32Array | undefined; // allocated at the first store
}

/** Why a tap cannot be cached per example (a scalar, a tensor not split by example), or undefined. */
export function notPerExample(t: tf.Tensor, examples: number): string | undefined {
  if (t.rank === 0 || examples === 0 || t.shape[0]! % examples !== 0) return `its shape [${t.shape}] is not per example`;
  if (t.dtype !== "float32" && t.dtype !== "int32") return `it is ${t.dtype}`;
  return undefined;
}

/** Cached taps of one teacher on one split, keyed by row content. */
export class TeacherOutputCache {
  readonly taps: readonly TapStore[];
  private readonly slots = new Map<string, number>();

  constructor(
    readonly teacher: Model,
    readonly key: string,
    /** Most distinct rows it holds (the split's size). */
    readonly capacity: number,
    sample: ReadonlyMap<TapPath, tf.Tensor>,
    /** Examples in the sample's batch. */
    examples: number,
  ) {
    this.taps = [...sample].map(([path, t]) => {
      const why = notPerExample(t, examples);
      if (why) throw new Error(`cannot cache tap '${path}': ${why}`);
      const perExample = t.shape[0]! / examples;
      const rowShape = t.shape.slice(1);
      return { path, perExample, rowShape, width: perExample * rowShape.reduce((a, b) => a * b, 1), dtype: t.dtype as "float32" | "int32", data: undefined };
    });
  }

  get paths(): readonly TapPath[] {
    return this.taps.map((t) => t.path);
  }

  get bytesPerRow(): number {
    return this.taps.reduce((n, t) => n + 4 * t.width, 0);
  }

  /** What the cache holds when full. */
  get bytes(): number {
    return this.capacity * this.bytesPerRow;
  }

  get rows(): number {
    return this.slots.size;
  }

  /** Covers every path in `paths`. */
  covers(paths: Iterable<TapPath>): boolean {
    const mine = new Set(this.paths);
    for (const p of paths) if (!mine.has(p)) return false;
    return true;
  }

  /** The slots of `keys`, or undefined when any row is missing. */
  lookup(keys: readonly string[]): Int32Array | undefined {
    const out = new Int32Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const slot = this.slots.get(keys[i]!);
      if (slot === undefined) return undefined;
      out[i] = slot;
    }
    return out;
  }

  /** Whether any of `keys` is not cached yet (and there is room for it). */
  wants(keys: readonly string[]): boolean {
    if (this.slots.size >= this.capacity) return false;
    return keys.some((k) => !this.slots.has(k));
  }

  /** Stores the rows of `values` (one typed array per tap, row-major) that are not cached yet. */
  store(keys: readonly string[], values: readonly (Float32Array | Int32Array)[]): void {
    for (const tap of this.taps) tap.data ??= tap.dtype === "int32" ? new Int32Array(this.capacity * tap.width) : new Float32Array(this.capacity * tap.width);
    keys.forEach((key, r) => {
      if (this.slots.has(key) || this.slots.size >= this.capacity) return;
      const slot = this.slots.size;
      this.slots.set(key, slot);
      this.taps.forEach((tap, k) => tap.data!.set(values[k]!.subarray(r * tap.width, (r + 1) * tap.width), slot * tap.width));
    });
  }

  /** The cached taps of the rows in `slots`, as new tensors (call inside the step's tidy). */
  gather(slots: Int32Array): Map<TapPath, tf.Tensor> {
    const out = new Map<TapPath, tf.Tensor>();
    for (const tap of this.taps) {
      const values = tap.dtype === "int32" ? new Int32Array(slots.length * tap.width) : new Float32Array(slots.length * tap.width);
      for (let r = 0; r < slots.length; r++) {
        const from = slots[r]! * tap.width;
        values.set(tap.data!.subarray(from, from + tap.width), r * tap.width);
      }
      out.set(tap.path, tf.tensor(values, [slots.length * tap.perExample, ...tap.rowShape], tap.dtype));
    }
    return out;
  }

  describe(): string {
    return `${this.teacher.name} (${this.paths.map((p) => p.replace(/\.(\d+)$/, "[$1]")).join(", ")})`;
  }
}

/** Caches that outlive a stage when a later stage reads the same teacher on the same split. */
export class CacheStore {
  private readonly caches = new Map<string, TeacherOutputCache>();

  get(key: string): TeacherOutputCache | undefined {
    return this.caches.get(key);
  }

  set(cache: TeacherOutputCache): void {
    this.caches.set(cache.key, cache);
  }

  /** Drops every cache no later stage can use. */
  retain(keep: (cache: TeacherOutputCache) => boolean): void {
    for (const [key, cache] of this.caches) if (!keep(cache)) this.caches.delete(key);
  }

  clear(): void {
    this.caches.clear();
  }
}

// ---- the decision ----

/** Declared by splits whose batches change between epochs (random augmentation); never cached. */
interface MaybeAugmented {
  readonly augmented?: boolean;
  readonly stochastic?: boolean;
  /** A description of deterministic preprocessing, part of the cache key. */
  readonly preprocessing?: string;
}

/** Declared `false` by models whose inference-mode forward pass is random. */
interface MaybeDeterministic {
  readonly deterministic?: boolean;
}

/** Why caching is illegal for this stage, or undefined when it is legal. */
export function whyNotCacheable(stage: StageSpec, frozen: readonly Model[]): string | undefined {
  const split = stage.data as Split & MaybeAugmented;
  if (split.augmented === true || split.stochastic === true) return `split '${split.name}' is augmented: its inputs change every epoch`;
  const trainables = new Set<unknown>([stage.train, ...(stage.modules ?? [])]);
  for (const m of frozen) {
    if (trainables.has(m)) return `'${m.name}' is trained in this stage`;
    if ((m as Model & MaybeDeterministic).deterministic === false) return `'${m.name}' is not deterministic in inference mode`;
    if (stage.teachersInTrainingMode?.includes(m)) return `'${m.name}' runs in training mode (dropout on): its outputs change on every call`;
  }
  return undefined;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let u = 0;
  while (value >= 1024 && u < units.length - 1) {
    value /= 1024;
    u++;
  }
  return `${value.toFixed(1)} ${units[u]}`;
}

export interface CachingOptions {
  readonly mode: boolean | "auto";
  readonly budget: number;
  /** Whether a later stage reads `teacher` on a split with this fingerprint. */
  readonly usedLater: (teacher: Model, fingerprint: string) => boolean;
}

/** Tensors copied out of one step's live teacher outputs into the cache, once read back. */
interface PendingFill {
  readonly cache: TeacherOutputCache;
  readonly keys: readonly string[];
  readonly tensors: readonly tf.Tensor[];
}

/**
 * The frozen models' outputs for every step of one stage: live forward passes (off the tape,
 * inference mode), or cached ones once the cache is filled. Also makes and reports the decision.
 */
export class FrozenOutputs {
  private decisionValue: TeacherCacheDecision | undefined;
  private readonly keys = new Map<Model, string>();
  private readonly caches = new Map<Model, TeacherOutputCache>();
  /** Set while the first step records what the objective reads. */
  private recordingReads: Map<Model, Reads> | undefined;
  private live: Map<Model, Outputs> | undefined;
  private pendingKeys: readonly string[] | undefined;
  /** Examples in the batch of the step in progress. */
  private liveExamples = 0;
  private pending: PendingFill[] = [];
  private lateTapNoted = false;
  /** Per model: batches computed live in this stage, and served from the cache. */
  private readonly liveBatches = new Map<Model, number>();
  private readonly cachedBatches = new Map<Model, number>();

  private constructor(
    private readonly stage: StageSpec,
    readonly models: readonly Model[],
    private readonly store: CacheStore,
    private readonly options: CachingOptions,
    /** Undefined when caching is on the table; else the reason it is not. */
    private readonly refusal: string | undefined,
    private readonly notify: (text: string) => void,
  ) {
    if (refusal !== undefined) this.decisionValue = { enabled: false, reason: refusal, bytes: 0 };
    else this.recordingReads = new Map(models.map((m) => [m, new Map()]));
  }

  /**
   * Decides whether caching is legal for the stage (before any step) and fingerprints the
   * teachers' weights when it is. `notify` prints the final decision.
   */
  static async create(stage: StageSpec, frozen: readonly Model[], store: CacheStore, options: CachingOptions, notify: (text: string) => void): Promise<FrozenOutputs> {
    let refusal: string | undefined;
    if (frozen.length === 0) refusal = "no teachers";
    else if (options.mode === false) refusal = "off (cacheTeachers: false)";
    else {
      refusal = whyNotCacheable(stage, frozen);
      if (refusal !== undefined && options.mode === true) {
        throw new KdcRuntimeError(`stage '${stage.name}' (${stage.origin}) asks for teacher-output caching, but ${refusal}`, "remove `cacheTeachers: true` (or use \"auto\")");
      }
      const reusable = frozen.some((m) => options.usedLater(m, stage.data.fingerprint));
      if (refusal === undefined && options.mode === "auto" && stage.epochs < 2 && !reusable) refusal = "one epoch: nothing to reuse";
    }
    const outputs = new FrozenOutputs(stage, frozen, store, options, refusal, notify);
    if (refusal === undefined) {
      const split = stage.data as Split & MaybeAugmented;
      for (const m of frozen) {
        outputs.keys.set(m, `${m.name}|${await weightsFingerprint(m)}|${split.fingerprint}|${split.preprocessing ?? ""}`);
      }
    } else if (frozen.length > 0) {
      notify(`teacher outputs not cached: ${refusal}`);
    }
    return outputs;
  }

  /** Final after the stage's first step; `undefined` when the stage has no frozen models. */
  get decision(): TeacherCacheDecision | undefined {
    if (this.models.length === 0) return undefined;
    return this.decisionValue ?? { enabled: false, reason: "undecided (no step ran)", bytes: 0 };
  }

  /** Whether the step needs row keys of its batch (the cache is on, or may be). */
  get needsRowKeys(): boolean {
    return this.refusal === undefined && (this.decisionValue === undefined || this.decisionValue.enabled);
  }

  /**
   * Each frozen model's outputs for `batch` (call inside the step's tidy, before the tape).
   * `keys` are the batch's row keys when `needsRowKeys`.
   */
  outputsFor(batch: Batch, keys: readonly string[] | undefined): (model: Model) => Outputs | undefined {
    const served = new Map<Model, Outputs>();
    this.live = new Map();
    this.pendingKeys = keys;
    this.liveExamples = batch.input.shape[0] ?? 0;
    for (const m of this.models) {
      const cache = this.caches.get(m);
      const slots = cache && keys ? cache.lookup(keys) : undefined;
      if (cache && slots) {
        this.cachedBatches.set(m, (this.cachedBatches.get(m) ?? 0) + 1);
        let live: Outputs | undefined;
        served.set(m, servedOutputs(cache.gather(slots), () => (live ??= this.lateTap(m, batch))));
        continue;
      }
      const outputs = m.forward(batch.input, this.stage.teachersInTrainingMode?.includes(m) ?? false);
      this.liveBatches.set(m, (this.liveBatches.get(m) ?? 0) + 1);
      this.live.set(m, outputs);
      const reads = this.recordingReads?.get(m);
      served.set(m, reads ? recording(outputs, reads) : outputs);
    }
    return (model) => served.get(model);
  }

  /**
   * After the objective ran (still inside the tidy): on the first step, fixes what to cache and
   * whether it fits; on any step, keeps the live taps whose rows the cache still lacks. Returns
   * nothing: a tidy must not walk the cache's arrays.
   */
  collect(): void {
    if (this.recordingReads) this.decide();
    const keys = this.pendingKeys;
    const live = this.live;
    this.live = undefined;
    if (!keys || !this.decisionValue?.enabled || !live) return;
    for (const [m, outputs] of live) {
      const cache = this.caches.get(m);
      if (!cache || !cache.wants(keys)) continue;
      const taps = tapsRead(outputs, readsOf(cache.paths));
      this.pending.push({ cache, keys, tensors: cache.paths.map((p) => tf.keep(taps.get(p)!)) });
    }
  }

  /** Reads the kept taps back (outside the tidy) into the caches and frees them. */
  fill(): void {
    const pending = this.pending;
    this.pending = [];
    for (const { cache, keys, tensors } of pending) {
      try {
        cache.store(keys, tensors.map((t) => t.dataSync() as Float32Array | Int32Array));
      } finally {
        tf.dispose([...tensors]);
      }
    }
  }

  /** Frees kept taps without storing them (the step failed). */
  discard(): void {
    tf.dispose(this.pending.flatMap((p) => [...p.tensors]));
    this.pending = [];
    this.live = undefined;
  }

  /** At the end of the stage: drops caches no later stage can use. */
  finish(): void {
    this.store.retain((cache) => this.options.usedLater(cache.teacher, this.stage.data.fingerprint) || ![...this.caches.values()].includes(cache));
    this.live = undefined;
  }

  /** One line for logs: per cached teacher, rows held and batches served from the cache or live in this stage. */
  stats(): string {
    return [...this.caches.values()]
      .map((c) => `${c.teacher.name}: ${c.rows} rows, ${this.cachedBatches.get(c.teacher) ?? 0} batches from the cache, ${this.liveBatches.get(c.teacher) ?? 0} live`)
      .join("; ");
  }

  private decide(): void {
    const reads = this.recordingReads!;
    this.recordingReads = undefined;
    const planned: TeacherOutputCache[] = [];
    const refused: string[] = [];
    for (const m of this.models) {
      const r = reads.get(m)!;
      const outputs = this.live?.get(m);
      if (r.size === 0 || !outputs) continue; // not read in the first step: nothing to cache
      const taps = tapsRead(outputs, r);
      const examples = this.liveExamples;
      const bad = [...taps].map(([path, t]) => [path, notPerExample(t, examples)] as const).find(([, why]) => why !== undefined);
      if (bad) {
        refused.push(`'${m.name}' tap '${bad[0]}': ${bad[1]}`);
        continue;
      }
      const key = this.keys.get(m)!;
      const existing = this.store.get(key);
      const cache = existing && existing.covers(taps.keys()) ? existing : new TeacherOutputCache(m, key, this.stage.data.size, taps, examples);
      planned.push(cache);
    }
    const bytes = planned.reduce((n, c) => n + c.bytes, 0);
    if (planned.length === 0) {
      this.decisionValue = { enabled: false, reason: refused.length ? `cannot cache ${refused.join("; ")}` : "the objective reads no teacher output", bytes: 0 };
    } else if (this.options.mode === "auto" && bytes > this.options.budget) {
      this.decisionValue = { enabled: false, reason: `needs ${formatBytes(bytes)}, over the ${formatBytes(this.options.budget)} budget`, bytes: 0 };
    } else {
      for (const cache of planned) {
        this.caches.set(cache.teacher, cache);
        this.store.set(cache);
      }
      const over = bytes > this.options.budget ? `, over the ${formatBytes(this.options.budget)} budget (cacheTeachers: true)` : "";
      const live = refused.length ? `; live: ${refused.join("; ")}` : "";
      this.decisionValue = { enabled: true, reason: `${planned.map((c) => c.describe()).join(", ")}: ${this.stage.data.size} rows, ${formatBytes(bytes)}${over}${live}`, bytes };
    }
    this.notify(`teacher outputs ${this.decisionValue.enabled ? "cached" : "not cached"}: ${this.decisionValue.reason}`);
  }

  private lateTap(model: Model, batch: Batch): Outputs {
    if (!this.lateTapNoted) {
      this.lateTapNoted = true;
      this.notify(`note: the objective read a tap of '${model.name}' it did not read in the first step; computing it live when needed`);
    }
    return frozenCopy(model.forward(batch.input, false));
  }
}

/** Reads covering exactly `paths`. */
function readsOf(paths: readonly TapPath[]): Reads {
  const reads: Reads = new Map();
  for (const p of paths) {
    const dot = p.indexOf(".");
    if (dot < 0) reads.set(p, true);
    else {
      const key = p.slice(0, dot);
      const seen = reads.get(key);
      if (seen !== true) reads.set(key, (seen ?? new Set<number>()).add(Number(p.slice(dot + 1))));
    }
  }
  return reads;
}
