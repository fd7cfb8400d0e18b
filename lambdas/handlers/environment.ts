import { type MonitorConfig, parseMonitorConfig } from '../core/drift/monitor-config.ts';
import { parseKeyPrefix } from '../core/util/key-prefix.ts';
import { assertTimeZone } from '../core/util/time.ts';

/** Read configuration once, at the edge; a missing variable fails loudly at cold start. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`Environment variable ${name} is required`);
  return value;
}

export function numberEnv(
  name: string,
  fallback: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`Environment variable ${name} must be a positive number, got "${raw}"`);
  return value;
}

/** TIME_ZONE (default UTC), checked to be an IANA zone at cold start. */
export function timeZoneEnv(env: NodeJS.ProcessEnv = process.env): string {
  const timeZone = env.TIME_ZONE?.trim() || 'UTC';
  assertTimeZone(timeZone);
  return timeZone;
}

/**
 * KEY_PREFIX: the prefix Driftwatch's areas live under in a shared bucket ('' when unset),
 * checked at cold start.
 */
export function keyPrefixEnv(env: NodeJS.ProcessEnv = process.env): string {
  return parseKeyPrefix(env.KEY_PREFIX ?? '');
}

/** MONITOR_CONFIG as validated JSON ({} = the shipped defaults); an invalid one fails cold start. */
export function monitorConfigEnv(env: NodeJS.ProcessEnv = process.env): MonitorConfig {
  return parseMonitorConfig(JSON.parse(env.MONITOR_CONFIG?.trim() || '{}'));
}
