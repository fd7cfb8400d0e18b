import { readFile } from 'node:fs/promises';
import {
  DEFAULT_MONITOR_CONFIG,
  type MonitorConfig,
  parseMonitorConfig,
} from '../core/drift/monitor-config.ts';
import { parseBoundedJson } from '../core/util/bounded-json.ts';
import { UserInputError } from '../local/day-folders.ts';

/** Reads and validates `--config`, or returns the shipped defaults. */
export async function loadMonitorConfig(file: string | undefined): Promise<MonitorConfig> {
  if (!file) return DEFAULT_MONITOR_CONFIG;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserInputError(`cannot read monitor config ${file}`);
  }
  const json = parseBoundedJson(text);
  if (!json.ok)
    throw new UserInputError(
      `monitor config ${file} is ${json.reason}${json.detail ? `: ${json.detail}` : ''}`,
    );
  return parseMonitorConfig(json.value);
}
