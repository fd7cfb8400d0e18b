import { Command } from 'commander';
import { escapeLinesForTerminal } from '../core/util/terminal-text.ts';
import { registerCompare } from './commands/compare.ts';
import { registerDemo } from './commands/demo.ts';
import { registerProfile } from './commands/profile.ts';
import { registerRun } from './commands/run.ts';
import { registerShow } from './commands/show.ts';
import { warn } from './terminal.ts';

const program = new Command()
  .name('driftwatch')
  .description(
    'Profile production images, detect drift against a reference and trailing days, track model performance.',
  )
  .showHelpAfterError()
  .configureOutput({
    outputError: (text, write) => write(`\x1b[31m${escapeLinesForTerminal(text)}\x1b[0m`),
  });

// `driftwatch show x | head` closes stdout early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

registerProfile(program);
registerShow(program);
registerRun(program);
registerCompare(program);
registerDemo(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  warn(`driftwatch: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
