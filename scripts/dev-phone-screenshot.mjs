// Takes the dev phone's screenshot for the READMEs: runs `examples/demo.mjs --keep`, opens the
// page in Debian's chromium (headless, through playwright-core; never a browser download), and
// saves packages/simulator/docs/dev-phone.png. The page may load loopback URLs only.
//
//   pnpm build && node scripts/dev-phone-screenshot.mjs [conversation-number-digits]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const select = process.argv[2] ?? '573017654321';
const demo = spawn(process.execPath, [fileURLToPath(new URL('../examples/demo.mjs', import.meta.url)), '--keep'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
const url = await new Promise((resolve, reject) => {
  demo.stdout.on('data', (d) => {
    out += d;
    const found = /stays open at (\S+)/.exec(out);
    if (found) resolve(found[1]);
  });
  demo.once('exit', (code) => reject(new Error(`demo exited ${code}`)));
});

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1 });
  await page.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
  });
  await page.goto(url);
  await page.locator(`.conv[data-key$=":${select}"]`).click();
  await page.waitForTimeout(600);
  await page.screenshot({ path: fileURLToPath(new URL('../packages/simulator/docs/dev-phone.png', import.meta.url)) });
  console.log('saved packages/simulator/docs/dev-phone.png');
} finally {
  await browser.close();
  demo.kill('SIGINT');
}
