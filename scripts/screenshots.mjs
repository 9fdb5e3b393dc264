// screenshots.mjs: refreshes the small console screenshots the README shows (docs/img/*.png),
// taken from a running demo in Debian's chromium.
//
// Usage: make demo (in another terminal), then
//        node scripts/screenshots.mjs [BASE=http://127.0.0.1:8080] [PASSWORD=shequ2026]
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = process.argv[2] || 'http://127.0.0.1:8080';
const PASSWORD = process.argv[3] || process.env.SHEQU_DEMO_PASSWORD || 'shequ2026';
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'img');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run'];
if (!/^http:\/\/127\.0\.0\.1(:\d+)?$/.test(BASE)) throw new Error('screenshots are taken from 127.0.0.1 only');

// scale 0.6 keeps each picture small (about 60 KB) and still readable
const shots = [
  { file: 'dashboard.png', user: 'district_admin', path: '/', width: 1366, height: 768, wait: 'canvas' },
  { file: 'persons.png', user: 'community_worker', path: '/r/persons', width: 1366, height: 768, wait: '.el-table__row' },
  { file: 'person-form.png', user: 'community_worker', path: '/r/persons', width: 1366, height: 768, wait: '.el-table__row',
    then: async (page) => {
      await page.locator('[data-test=create]').click();
      const form = page.locator('[data-test=form-persons]');
      await form.locator('[data-test=field-name] input').fill('李桂兰');
      await form.locator('[data-test=field-id_number] input').fill('410105195003071235');   // wrong check digit
      await form.locator('[data-test=form-save]').click();
      await form.locator('.el-form-item__error').first().waitFor();
    } },
  { file: 'persons-phone.png', user: 'grid_worker', path: '/r/persons', width: 390, height: 760, scale: 0.8, wait: '.el-table__row' },
];

mkdirSync(OUT, { recursive: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
try {
  for (const s of shots) {
    const page = await browser.newPage({ viewport: { width: s.width, height: s.height }, deviceScaleFactor: s.scale || 0.6 });
    await page.goto(`${BASE}/login`);
    await page.fill('#login-username', s.user);
    await page.fill('#login-password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(BASE + s.path);
    await page.waitForSelector(s.wait);
    if (s.then) await s.then(page);
    await page.waitForTimeout(600);                 // charts and transitions settle
    await page.screenshot({ path: join(OUT, s.file) });
    console.log(`  docs/img/${s.file}`);
    await page.close();
  }
} finally {
  await browser.close();
}
