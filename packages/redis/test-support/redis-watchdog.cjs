// Runs redis-server with the given arguments and kills it (SIGKILL) as soon as this process's
// stdin ends. The test helper that starts it holds the only other end of that pipe, so the pipe
// ends however the helper's process ends: a normal exit, a crash, or SIGKILL from a test runner
// that timed out. SIGTERM/SIGINT/SIGHUP are passed on; the watchdog exits with redis-server.
// First line on stdout: `redis-pid <pid>`; then redis-server's own output.
const { spawn } = require('node:child_process');

const redis = spawn('redis-server', process.argv.slice(2), { stdio: ['ignore', 'inherit', 'inherit'] });
const kill = (signal) => {
  try {
    redis.kill(signal);
  } catch {
    // already gone
  }
};
redis.once('error', (error) => {
  process.stderr.write(error.code === 'ENOENT' ? 'ENOENT redis-server\n' : `${error}\n`);
  process.exit(127);
});
redis.once('exit', (code) => process.exit(code ?? 1));
process.stdin.on('data', () => {});
process.stdin.once('end', () => {
  kill('SIGKILL');
  process.exit(0);
});
process.stdin.once('error', () => {
  kill('SIGKILL');
  process.exit(0);
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => kill('SIGTERM'));
process.stdout.write(`redis-pid ${redis.pid}\n`);
