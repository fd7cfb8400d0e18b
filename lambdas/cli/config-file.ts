import { readFile } from 'node:fs/promises';
import {
  DEFAULT_MONITOR_CONFIG,
  type MonitorConfig,
  parseMonitorConfig,
} from '../core/drift/monitor-config.ts';
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
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(
      `monitor config ${file} is not valid JSON: ${(error as Error).message}`,
    );
  }
  return parseMonitorConfig(json);
}
