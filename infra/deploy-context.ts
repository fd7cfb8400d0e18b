import { readFileSync } from 'node:fs';
import { type EnvironmentSettings, preview } from './environments.ts';

/**
 * Settings a user may give at deploy time without editing TypeScript:
 * `cdk deploy -c env=prod -c alertEmails=a@x.org,b@y.org -c timeZone=Europe/Paris -c nightly=03:15
 *  -c monitorConfig=./monitors.json -c imagesConcurrency=50 -c labelsConcurrency=2`.
 * The CLI passes every `-c` value as a string; cdk.json may hold the native type instead. Values
 * are converted here and validated with the rest in environmentConfig().
 */
export const CONTEXT_SETTINGS = [
  'alertEmails',
  'timeZone',
  'nightly',
  'monitorConfig',
  'imagesConcurrency',
  'labelsConcurrency',
] as const;

export class DeployContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployContextError';
  }
}

/** The overrides present in the CDK context (`lookup` is `app.node.tryGetContext`). */
export function settingsFromContext(
  lookup: (key: string) => unknown,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Partial<EnvironmentSettings> {
  const settings: Partial<EnvironmentSettings> = {};
  const alertEmails = lookup('alertEmails');
  if (alertEmails !== undefined) settings.alertEmails = emailList(alertEmails);
  const timeZone = lookup('timeZone');
  if (timeZone !== undefined) settings.timeZone = String(timeZone).trim();
  const nightly = lookup('nightly');
  if (nightly !== undefined) settings.nightly = timeOfDay(nightly);
  const monitorConfig = lookup('monitorConfig');
  if (monitorConfig !== undefined) settings.monitorConfig = jsonFile(monitorConfig, readFile);
  for (const key of ['imagesConcurrency', 'labelsConcurrency'] as const) {
    const value = lookup(key);
    if (value !== undefined) settings[key] = wholeNumber(key, value);
  }
  return settings;
}

/** `a@x.org,b@y.org` (blank entries dropped; an empty value means no recipients) or an array. */
function emailList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return String(value)
    .split(',')
    .map((email) => email.trim())
    .filter((email) => email.length > 0);
}

/** `HH:MM` (24-hour clock, in the environment's time zone) or `{hour, minute}`. */
function timeOfDay(value: unknown): { hour: number; minute: number } {
  if (typeof value === 'object' && value !== null) return value as { hour: number; minute: number };
  const match = /^(\d{1,2}):(\d{2})$/.exec(String(value).trim());
  if (!match)
    throw new DeployContextError(`-c nightly: expected HH:MM such as 02:30, got ${preview(value)}`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

function wholeNumber(key: string, value: unknown): number {
  if (typeof value === 'number') return value;
  const text = String(value).trim();
  if (!/^\d+$/.test(text))
    throw new DeployContextError(`-c ${key}: expected a whole number, got ${preview(value)}`);
  return Number(text);
}

/** The monitor config from a JSON file (a path), or an object given in cdk.json. */
function jsonFile(value: unknown, readFile: (path: string) => string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  const path = String(value);
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new DeployContextError(
      `-c monitorConfig: cannot read ${preview(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DeployContextError(
      `-c monitorConfig: ${preview(path)} is not JSON (${preview((error as Error).message)})`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new DeployContextError(`-c monitorConfig: ${preview(path)} must hold a JSON object`);
  return parsed as Record<string, unknown>;
}
