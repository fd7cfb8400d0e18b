import { realpath } from 'node:fs/promises';
import type { DatasetProfile } from '../../core/profile/dataset-profile.ts';
import { decodeProfile, ProfileFormatError } from '../../core/profile/profile-codec.ts';
import { LOCAL_FILE_LIMITS, readBounded } from './bounded-file.ts';

/**
 * A profile file named by the user (`show`, `compare`): read bounded (at most
 * LOCAL_FILE_LIMITS.profile bytes, a regular file) and decoded; a refusal names the file. A link
 * named on the command line is the user's choice and is followed.
 */
export async function readProfileFile(file: string): Promise<DatasetProfile> {
  const bytes = await readBounded(await realpath(file), LOCAL_FILE_LIMITS.profile);
  try {
    return decodeProfile(bytes);
  } catch (error) {
    if (error instanceof ProfileFormatError)
      throw new ProfileFormatError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
}
