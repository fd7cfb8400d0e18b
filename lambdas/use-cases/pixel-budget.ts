/**
 * How many pixels one profile-images invocation may hold decoded at once. The batch processor runs
 * a batch's records in parallel and the 50 MP limit is per image, so without a shared budget ten
 * 49 MP images decode together (2 GB measured, issue 15). The budget is what the function's
 * memory leaves after a reserve, divided by the memory one decoded pixel costs at its peak.
 */

/** The runtime, the SDK clients, the batch's file bytes (10 × 32 MiB at most) and its profiles. */
export const RESERVED_MEMORY_MB = 512;

/**
 * Bytes per pixel in flight: sharp's 8-bit RGB(A) output (3–4 B), the Float32 luma plane (4 B), the
 * native texture pass's Float32 plane (4 B) and libvips' buffers, plus the previous image's buffers
 * still waiting for the garbage collector. `bench/pixel-budget.ts` measured 13.3–14.8 B per pixel in
 * flight (6.7–7.4 B for one image alone; docs/performance.md); rounded up.
 */
export const BYTES_PER_PIXEL_IN_FLIGHT = 16;

/** At least one 1 MP image at a time, whatever the memory. */
const MIN_PIXELS_IN_FLIGHT = 1_000_000;

/** (memory − 512 MB) / bytes per pixel: e.g. 1,769 MB → 82 MP, one 49 MP image at a time. */
export function pixelBudgetFor(memoryMb: number): number {
  const spare = (memoryMb - RESERVED_MEMORY_MB) * 1024 * 1024;
  return Math.max(MIN_PIXELS_IN_FLIGHT, Math.floor(spare / BYTES_PER_PIXEL_IN_FLIGHT));
}
