import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { UNREADABLE_REASONS, type UnreadableReason } from '../image/decoded-image.ts';
import type { FrequentItems } from '../sketches/frequent-items.ts';
import { KllSketch, type KllState } from '../sketches/kll-sketch.ts';
import { ByteReader, ByteWriter } from '../util/bytes.ts';
import type { CategoricalColumn, DatasetProfile, NumericColumn } from './dataset-profile.ts';
import { EXTREMES_PER_END, type Extreme } from './extremes.ts';
import {
  type ConfidenceColumn,
  emptyModelOutputs,
  MAX_CLASS_CONFIDENCE_COLUMNS,
  MAX_MODEL_VERSIONS,
  type ModelOutputs,
  type VersionOutputs,
} from './model-outputs.ts';

/**
 * Binary profile format, version 2 (version 1 is version 2 without the model outputs):
 *
 *   "DWPF" | u8 format version | deflate-raw(body)
 *   body  = header, key table, numeric columns, categorical columns, float pool, model outputs
 *   model outputs = images without a prediction, then per model version: predicted-class counts,
 *                   the confidence column, and the per-class confidence columns
 *
 * KLL items (float32) go to one pool stored as four byte planes (all first bytes, then all second
 * bytes, …): neighbouring sorted floats share their high bytes, which deflate then squeezes.
 * Extreme-image keys are interned in a key table, since one image is often extreme in many features.
 * Older versions must keep decoding: test/fixtures/profiles holds a golden file per version.
 */
export const PROFILE_FORMAT_VERSION = 2;
const MAGIC = [0x44, 0x57, 0x50, 0x46]; // "DWPF"
const HEADER_BYTES = 5;

/**
 * Largest inflated body a profile may have. A day of 10^7 images inflates to under 100 KB (its
 * file is ~34 KB), so 8 MiB is far above any real profile and keeps a deflate bomb (a 2 MB file
 * can inflate to 2 GiB) to 8 MiB of memory. Deflate never shrinks incompressible data, so no valid
 * profile file is larger than this either.
 */
export const MAX_PROFILE_BODY_BYTES = 8 * 1024 * 1024;
/**
 * Structural limits a decoded profile must meet, so that a small crafted body cannot build a large
 * object graph (6.7 million copies of one extreme-image key in a 49 KB file took 525 MB before).
 * Each is far above what Driftwatch writes: 32 items per frequent-items column, ~40 numeric and
 * ~6 categorical columns, 2 × EXTREMES_PER_END extreme images per numeric column.
 */
export const MAX_FREQUENT_ITEMS_CAPACITY = 1024;
export const MAX_PROFILE_COLUMNS = 1024;
export const MAX_PROFILE_KEYS = 2 * EXTREMES_PER_END * MAX_PROFILE_COLUMNS;

/** Reads a count and refuses it above `max`: the reader allocates per counted element. */
function boundedCount(r: ByteReader, max: number, what: string): number {
  const count = r.varint();
  if (count > max)
    throw new ProfileFormatError(`corrupt profile: ${count} ${what}, above the limit of ${max}`);
  return count;
}

export class ProfileFormatError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProfileFormatError';
  }
}

export function encodeProfile(profile: DatasetProfile): Uint8Array {
  const keys = new Map<string, number>();
  const keyIndex = (key: string) => {
    let i = keys.get(key);
    if (i === undefined) {
      i = keys.size;
      keys.set(key, i);
    }
    return i;
  };
  const pool: number[] = [];
  const columns = new ByteWriter();
  columns.varint(profile.numeric.size);
  for (const [name, column] of profile.numeric) writeNumeric(columns, name, column, keyIndex, pool);
  columns.varint(profile.categorical.size);
  for (const [name, column] of profile.categorical) writeCategorical(columns, name, column);

  const body = new ByteWriter()
    .u16(profile.featureSetVersion)
    .string(profile.dataset)
    .string(profile.window.start)
    .string(profile.window.end)
    .varint(profile.images)
    .u16(profile.k);
  const reasons = Object.entries(profile.unreadable).filter(([, n]) => (n ?? 0) > 0);
  body.varint(reasons.length);
  for (const [reason, n] of reasons) body.string(reason).varint(n ?? 0);
  body.varint(keys.size);
  for (const key of keys.keys()) body.string(key);
  body.bytes(columns.finish());
  body.varint(pool.length).bytes(toBytePlanes(pool));
  writeModelOutputs(body, profile.outputs);

  const compressed = deflateRawSync(body.finish(), { level: 9 });
  const out = new Uint8Array(HEADER_BYTES + compressed.length);
  out.set(MAGIC, 0);
  out[4] = PROFILE_FORMAT_VERSION;
  out.set(compressed, HEADER_BYTES);
  return out;
}

/**
 * Decodes a profile file. Refuses, with a ProfileFormatError, anything but exactly one deflate
 * stream whose body inflates to at most MAX_PROFILE_BODY_BYTES and is consumed to its last byte:
 * a bomb, a truncated file and a valid header followed by padding are all corrupt, not empty.
 */
export function decodeProfile(bytes: Uint8Array): DatasetProfile {
  if (bytes.length < HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ProfileFormatError('not a Driftwatch profile (missing "DWPF" header)');
  }
  const version = bytes[4];
  if (version !== 1 && version !== 2) {
    throw new ProfileFormatError(
      `profile format v${version} is newer than this Driftwatch (reads v1–v${PROFILE_FORMAT_VERSION})`,
    );
  }
  try {
    const reader = new ByteReader(inflateBody(bytes.subarray(HEADER_BYTES)));
    const decoded = decodeV1(reader);
    // Version 1 profiles predate model outputs: they decode with none recorded.
    const profile = version === 1 ? decoded : { ...decoded, outputs: readModelOutputs(reader) };
    if (!reader.done)
      throw new ProfileFormatError(
        `corrupt profile: ${reader.remaining} bytes left over after the profile body`,
      );
    return profile;
  } catch (error) {
    if (error instanceof ProfileFormatError) throw error;
    throw new ProfileFormatError(`corrupt profile: ${(error as Error).message}`, { cause: error });
  }
}

function inflateBody(compressed: Uint8Array): Uint8Array {
  let inflated: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    // `info` gives the engine, whose bytesWritten is the compressed bytes the stream used.
    inflated = inflateRawSync(compressed, {
      maxOutputLength: MAX_PROFILE_BODY_BYTES,
      info: true,
    }) as unknown as typeof inflated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ProfileFormatError(
        `corrupt profile: the body inflates to more than ${MAX_PROFILE_BODY_BYTES / 1024 / 1024} MiB (the limit); refused`,
      );
    if ((error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR')
      throw new ProfileFormatError('corrupt profile: the file ends before the body does');
    throw error;
  }
  const trailing = compressed.length - inflated.engine.bytesWritten;
  if (trailing > 0)
    throw new ProfileFormatError(
      `corrupt profile: ${trailing} bytes after the end of the compressed body`,
    );
  return inflated.buffer;
}

function writeNumeric(
  w: ByteWriter,
  name: string,
  c: NumericColumn,
  keyIndex: (key: string) => number,
  pool: number[],
): void {
  w.string(name).varint(c.missing);
  const s = writeMomentsAndSketchHead(w, c);
  w.u8(s.levels.length);
  for (const level of s.levels) {
    w.varint(level.length);
    pool.push(...level);
  }
  for (const list of [c.lowest, c.highest]) {
    w.u8(list.length);
    for (const e of list) w.f64(e.value).varint(keyIndex(e.key));
  }
}

function writeCategorical(w: ByteWriter, name: string, c: CategoricalColumn): void {
  w.string(name).varint(c.missing);
  writeFrequentItems(w, c.items);
}

function writeFrequentItems(w: ByteWriter, f: FrequentItems): void {
  w.varint(f.capacity).varint(f.total).varint(f.maxError).varint(f.counts.size);
  for (const [item, n] of f.counts) w.string(item).varint(n);
}

function decodeV1(r: ByteReader): DatasetProfile {
  const featureSetVersion = r.u16();
  const dataset = r.string();
  const window = { start: r.string(), end: r.string() };
  const images = r.varint();
  const k = r.u16();
  const unreadable: DatasetProfile['unreadable'] = {};
  const reasonCount = r.varint();
  for (let i = 0; i < reasonCount; i++) {
    const reason = r.string();
    if (!(UNREADABLE_REASONS as readonly string[]).includes(reason)) {
      throw new ProfileFormatError(`unknown unreadable reason "${reason}"`);
    }
    unreadable[reason as UnreadableReason] = r.varint();
  }
  const keys: string[] = [];
  const keyCount = boundedCount(r, MAX_PROFILE_KEYS, 'extreme-image keys');
  for (let i = 0; i < keyCount; i++) keys.push(r.string());

  // Numeric columns reference the float pool, which comes last: read structure first.
  const pending: { name: string; column: Omit<NumericColumn, 'sketch'>; sketch: SketchHeader }[] =
    [];
  const numericCount = boundedCount(r, MAX_PROFILE_COLUMNS, 'numeric columns');
  for (let i = 0; i < numericCount; i++) pending.push(readNumeric(r, keys));
  const categorical = new Map<string, CategoricalColumn>();
  const categoricalCount = boundedCount(r, MAX_PROFILE_COLUMNS, 'categorical columns');
  for (let i = 0; i < categoricalCount; i++) {
    const [name, column] = readCategorical(r);
    categorical.set(name, column);
  }
  const poolLength = r.varint();
  const pool = fromBytePlanes(r.bytes(poolLength * 4), poolLength);
  const sketched = pending.reduce(
    (sum, p) => sum + p.sketch.levelSizes.reduce((a, b) => a + b, 0),
    0,
  );
  if (sketched !== poolLength)
    throw new ProfileFormatError(
      `the sketches hold ${sketched} items but the float pool ${poolLength}`,
    );

  let at = 0;
  const numeric = new Map<string, NumericColumn>();
  for (const { name, column, sketch } of pending) {
    const levels = sketch.levelSizes.map((size) => {
      const level = Array.from(pool.subarray(at, at + size));
      at += size;
      return level;
    });
    const kll = KllSketch.fromState({ ...sketch, levels });
    numeric.set(name, { ...column, sketch: kll });
  }
  return {
    featureSetVersion,
    dataset,
    window,
    images,
    unreadable,
    numeric,
    categorical,
    outputs: emptyModelOutputs(),
    k,
  };
}

interface SketchHeader {
  k: number;
  n: number;
  randomState: number;
  min: number;
  max: number;
  levelSizes: number[];
}

function readNumeric(r: ByteReader, keys: readonly string[]) {
  const name = r.string();
  const missing = r.varint();
  const { moments, k, n, randomState, min, max } = readMomentsAndSketchHead(r);
  const levelSizes: number[] = [];
  const levelCount = r.u8();
  for (let i = 0; i < levelCount; i++) levelSizes.push(r.varint());
  const readList = (): Extreme[] => {
    const list: Extreme[] = [];
    const length = r.u8();
    if (length > EXTREMES_PER_END)
      throw new ProfileFormatError(
        `a numeric column keeps ${length} extreme images at one end (at most ${EXTREMES_PER_END})`,
      );
    for (let i = 0; i < length; i++) {
      const value = r.f64();
      const key = keys[r.varint()];
      if (key === undefined)
        throw new ProfileFormatError(`extreme of "${name}" points past the key table`);
      list.push({ value, key });
    }
    return list;
  };
  const lowest = readList();
  const highest = readList();
  return {
    name,
    column: { moments, missing, lowest, highest },
    sketch: { k, n, randomState, min, max, levelSizes },
  };
}

function readCategorical(r: ByteReader): [string, CategoricalColumn] {
  const name = r.string();
  const missing = r.varint();
  return [name, { items: readFrequentItems(r, `column "${name}"`), missing }];
}

/** `what` names the column (or model-output table) in the error. */
function readFrequentItems(r: ByteReader, what: string): FrequentItems {
  const capacity = r.varint();
  const total = r.varint();
  const maxError = r.varint();
  const counts = new Map<string, number>();
  const size = r.varint();
  // Misra–Gries never holds more items than its capacity: more is a crafted or corrupt column.
  if (capacity > MAX_FREQUENT_ITEMS_CAPACITY || size > capacity)
    throw new ProfileFormatError(
      `${what} holds ${size} items for a capacity of ${capacity} (at most ${MAX_FREQUENT_ITEMS_CAPACITY})`,
    );
  for (let i = 0; i < size; i++) counts.set(r.string(), r.varint());
  return { capacity, total, maxError, counts };
}

function writeModelOutputs(w: ByteWriter, outputs: ModelOutputs): void {
  w.varint(outputs.withoutPrediction).varint(outputs.byVersion.size);
  for (const [version, v] of outputs.byVersion) {
    w.string(version);
    writeFrequentItems(w, v.classes);
    writeConfidence(w, v.confidence);
    w.varint(v.byClass.size);
    for (const [name, column] of v.byClass) writeConfidence(w.string(name), column);
  }
}

function readModelOutputs(r: ByteReader): ModelOutputs {
  const withoutPrediction = r.varint();
  const byVersion = new Map<string, VersionOutputs>();
  // One entry per kept version plus the fold of the others.
  const versions = boundedCount(r, MAX_MODEL_VERSIONS + 1, 'model versions');
  for (let i = 0; i < versions; i++) {
    const version = r.string();
    const classes = readFrequentItems(r, `predicted classes of model version "${version}"`);
    const confidence = readConfidence(r);
    const byClass = new Map<string, ConfidenceColumn>();
    const classCount = boundedCount(
      r,
      MAX_CLASS_CONFIDENCE_COLUMNS,
      'confidence columns of a model version',
    );
    for (let j = 0; j < classCount; j++) byClass.set(r.string(), readConfidence(r));
    byVersion.set(version, { classes, confidence, byClass });
  }
  return { withoutPrediction, byVersion };
}

function writeConfidence(w: ByteWriter, c: ConfidenceColumn): void {
  const s = writeMomentsAndSketchHead(w, c);
  w.u8(s.levels.length);
  for (const level of s.levels) {
    w.varint(level.length);
    for (const x of level) w.f32(x);
  }
}

function readConfidence(r: ByteReader): ConfidenceColumn {
  const { moments, k, n, randomState, min, max } = readMomentsAndSketchHead(r);
  const levels: number[][] = [];
  const levelCount = r.u8();
  for (let i = 0; i < levelCount; i++) {
    const size = r.varint();
    const level: number[] = [];
    for (let j = 0; j < size; j++) level.push(r.f32());
    levels.push(level);
  }
  return { moments, sketch: KllSketch.fromState({ k, n, randomState, min, max, levels }) };
}

/**
 * A numeric or confidence column opens with its moments and its sketch's scalars; their sketch
 * levels follow in different layouts (numeric columns pool their floats into byte planes).
 */
function writeMomentsAndSketchHead(
  w: ByteWriter,
  c: Pick<NumericColumn, 'moments' | 'sketch'>,
): KllState {
  const m = c.moments;
  w.varint(m.count);
  if (m.count > 0) w.f64(m.mean).f64(m.m2).f64(m.min).f64(m.max);
  const s = c.sketch.toState();
  w.u16(s.k).varint(s.n).u32(s.randomState);
  if (s.n > 0) w.f32(s.min).f32(s.max);
  return s;
}

function readMomentsAndSketchHead(r: ByteReader) {
  const count = r.varint();
  const moments =
    count > 0
      ? { count, mean: r.f64(), m2: r.f64(), min: r.f64(), max: r.f64() }
      : { count: 0, mean: 0, m2: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
  const k = r.u16();
  const n = r.varint();
  const randomState = r.u32();
  const [min, max] = n > 0 ? [r.f32(), r.f32()] : [Number.NaN, Number.NaN];
  return { moments, k, n, randomState, min, max };
}

function toBytePlanes(values: readonly number[]): Uint8Array {
  const floats = Float32Array.from(values);
  const raw = new Uint8Array(floats.buffer);
  const out = new Uint8Array(raw.length);
  const n = values.length;
  for (let i = 0; i < n; i++) for (let b = 0; b < 4; b++) out[b * n + i] = raw[i * 4 + b] as number;
  return out;
}

function fromBytePlanes(planes: Uint8Array, n: number): Float32Array {
  const raw = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++)
    for (let b = 0; b < 4; b++) raw[i * 4 + b] = planes[b * n + i] as number;
  return new Float32Array(raw.buffer);
}
