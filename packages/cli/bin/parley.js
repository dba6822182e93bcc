#!/usr/bin/env node
// The `parley` command. It exists before the build (pnpm links bins at install time), and says
// what to do when the build has not run yet.
try {
  await import('../dist/bin.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/bin.js')) {
    process.stderr.write(
      'parley: @parley/cli is not built yet (packages/cli/dist/bin.js is missing).\n' +
        '  In the Parley repository, run: pnpm build\n',
    );
    process.exit(1);
  }
  throw error;
}
