#!/usr/bin/env node
import { realActions } from './actions';
import { runCli } from './program';

// The only place that ends the process: everything below returns exit codes.
runCli(process.argv.slice(2), realActions, {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
})
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    process.stderr.write(`internal error: ${String(err)}\n`);
    process.exitCode = 1;
  });
