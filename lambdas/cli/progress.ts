import cliProgress from 'cli-progress';
import { escapeForTerminal } from '../core/util/terminal-text.ts';

/** A progress bar on stderr (silent when stderr is not a terminal, so pipes and CI stay clean). */
export function progressBar(label: string) {
  const bar = new cliProgress.SingleBar(
    {
      // The label names a day or segment folder: user text, escaped like every other line.
      format: `${escapeForTerminal(label)} [{bar}] {value}/{total} {percentage}% · {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done: number, total: number) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
