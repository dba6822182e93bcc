// @parley/redis's tests start a real redis-server. On a machine without one, install Debian's
// package when we can (root with apt-get, as on CI), or say how, so `pnpm test` never half-runs.
import { execFileSync, spawnSync } from 'node:child_process';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

if (!has('redis-server')) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && has('apt-get')) {
    console.log('redis-server is missing: installing Debian’s redis-server for the @parley/redis tests…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'inherit', env });
  } else {
    console.error(
      'The @parley/redis tests need redis-server on PATH: install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run pnpm test again.',
    );
    process.exit(1);
  }
}
