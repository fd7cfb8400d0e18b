import { realpath } from 'node:fs/promises';
import {
  LOCAL_FILE_LIMITS,
  RefusedFileError,
  readBoundedText,
} from '../adapters/local/bounded-file.ts';
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
    // Named on the command line: a link is followed, the size is still capped.
    text = await readBoundedText(await realpath(file), LOCAL_FILE_LIMITS.json);
  } catch (error) {
    if (error instanceof RefusedFileError)
      throw new UserInputError(`monitor config ${error.message}`);
    throw new UserInputError(`cannot read monitor config ${file}`);
  }
  const json = parseBoundedJson(text);
  if (!json.ok)
    throw new UserInputError(
      `monitor config ${file} is ${json.reason}${json.detail ? `: ${json.detail}` : ''}`,
    );
  return parseMonitorConfig(json.value);
}
