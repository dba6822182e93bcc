import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** Runs one example of this folder as a newcomer would (`node examples/NAME`, no env but PATH). */
export async function runExample(name: string): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL(`./${name}`, import.meta.url))], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, out, err };
}
