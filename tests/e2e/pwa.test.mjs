// Installable, reloads offline: the service worker (frontend/sw.js, its precache written at build time by
// scripts/pwa-precache.mjs) serves the app with no network at all, after a reload and after a browser
// restart; a new version is applied between sales and never strands an unsent sale. The worker is the
// register's only: the back office (dist/gestion/) is never precached and its pages come from the server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, RegisterPage, counts, eventually, serverReceipts, startServer, useShop } from './support.mjs';

// After failures the register retries with a growing, jittered delay (at most 30 s).
const BACK = { timeout: 45_000 };
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A browser with a profile on disk: closing it and launching it again on `dir` is a browser restart. */
function launchProfile(dir, options = {}) {
  return chromium.launchPersistentContext(dir, { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS, ...options });
}

/** The service worker has installed (precache complete) and controls the page. */
async function controlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
}

describe('installable app that reloads offline', () => {
  let server, browser, products;
  useShop((s) => ({ server, browser, products } = s));

  test('the server gives the app files sane cache headers and a manifest with its icons', async () => {
    const head = async (path) => {
      const r = await fetch(`${server.url}${path}`);
      await r.arrayBuffer();
      return r;
    };
    const index = await head('/');
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.equal((await head('/ventes')).headers.get('cache-control'), 'no-cache');
    const sw = await head('/sw.js');
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get('content-type'), /javascript/);
    assert.equal(sw.headers.get('cache-control'), 'no-cache');
    const swText = readFileSync(join(ROOT, 'dist', 'sw.js'), 'utf8');
    const precache = JSON.parse(swText.match(/const PRECACHE = (\[[\s\S]*?\]\]);/)[1]);
    const urls = precache.map(([url]) => url);
    for (const want of ['/index.html', '/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png']) {
      assert.ok(urls.includes(want), `${want} precached`);
    }
    for (const ext of ['.js', '_bg.wasm', '.css']) {
      const url = urls.find((u) => u.endsWith(ext) && u !== '/sw.js');
      assert.ok(url, `a ${ext} precached`);
      const r = await head(url);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', url);
    }
    // The register only: nothing of the back office's build is precached.
    assert.deepEqual(urls.filter((u) => u.startsWith('/gestion/')), []);
    // The back office's page at its paths, its own hashed files immutable under /gestion/.
    const backOffice = await (await fetch(`${server.url}/commandes`)).text();
    const boWasm = backOffice.match(/\/gestion\/comptoir-backoffice-[0-9a-f]+_bg\.wasm/)?.[0];
    assert.ok(boWasm, 'the back office\'s index.html at /commandes');
    assert.equal((await head(boWasm)).headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.ok(!(await (await fetch(`${server.url}/`)).text()).includes('/gestion/'), 'the register\'s page loads nothing of the back office');
    // An old hashed name (a previous build) gets index.html, never cached for a year under that name.
    assert.equal((await head('/comptoir-frontend-0123456789abcdef.js')).headers.get('cache-control'), 'no-cache');
    const manifest = await (await fetch(`${server.url}/manifest.webmanifest`)).json();
    assert.equal(manifest.name, 'Comptoir');
    assert.equal(manifest.start_url, '/');
    assert.equal(manifest.display, 'standalone');
    for (const icon of manifest.icons) assert.equal((await head(icon.src)).status, 200, icon.src);
  });

  test('loaded once online, it reloads, restarts and sells with no network; both sales arrive once', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'comptoir-pwa-profile-'));
    let context = await launchProfile(profile);
    try {
      let reg = await new RegisterPage(context.pages()[0] || await context.newPage(), server).open();
      await controlled(reg.page);
      await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
      // Chromium's own verdict: installable (manifest, icons, service worker with a fetch handler).
      const cdp = await context.newCDPSession(reg.page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      assert.deepEqual(installabilityErrors, []);
      assert.equal(await reg.page.getByTestId('update-ready').count(), 0, 'a first install is not an update');
      // Under the worker's control, a back-office page is still the back office's, from the server.
      await reg.page.goto(`${server.url}/commandes`);
      await reg.page.getByTestId('orders-page').waitFor();
      assert.equal(await reg.page.title(), 'Comptoir — gestion');
      await reg.page.goto(server.url);
      await reg.ready();

      // No network at all: the browser offline and the server gone.
      await context.setOffline(true);
      await server.stop();
      await reg.page.reload();
      await reg.ready();
      await reg.scan(products.hat.barcode);
      const first = await reg.pay('20');
      await eventually(async () => assert.equal(await reg.status(), 'hors ligne — 1 vente en attente'));
      // The register's other route reloads offline too.
      await reg.page.goto(`${server.url}/connexion`);
      await reg.page.getByTestId('sign-in-page').waitFor();
      // A back-office page is another app, which needs the server: never the register's page in its place.
      await assert.rejects(reg.page.goto(`${server.url}/clients`), /ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|ERR_FAILED/);

      // The browser restarts, still offline.
      await context.close();
      context = await launchProfile(profile, { offline: true });
      reg = await new RegisterPage(context.pages()[0] || await context.newPage(), server).open();
      await reg.scan(products.shoes.barcode);
      const second = await reg.pay('200');
      await eventually(async () => assert.equal(await reg.status(), 'hors ligne — 2 ventes en attente'));
      assert.ok(!(await serverReceipts(server).catch(() => [])).includes(first));

      // The network comes back: both sales reach the server, once each.
      await server.start();
      await context.setOffline(false);
      await eventually(async () => assert.equal(await reg.status(), 'en ligne'), BACK);
      const stored = counts(await serverReceipts(server));
      assert.equal(stored.get(first), 1, `${first} stored once`);
      assert.equal(stored.get(second), 1, `${second} stored once`);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  test('a new version is offered, waits while a sale is under way, is applied after it, and loses no sale', async () => {
    // A copy of the build served by its own server: a "new build" is written into it mid-test.
    const dist = mkdtempSync(join(tmpdir(), 'comptoir-pwa-dist-'));
    cpSync(join(ROOT, 'dist'), dist, { recursive: true });
    const own = await startServer({ COMPTOIR_DIST: dist });
    const context = await browser.newContext();
    try {
      const reg = await new RegisterPage(await context.newPage(), own).open();
      const page = reg.page;
      await controlled(page);
      const cacheNames = () => page.evaluate(() => caches.keys());
      const [v1] = await cacheNames();

      // The next build: another index.html, hence another precache list and version (same script as Trunk's hook).
      const indexPath = join(dist, 'index.html');
      writeFileSync(indexPath, readFileSync(indexPath, 'utf8').replace('<head>', '<head><meta name="e2e-build" content="2">'));
      execFileSync('node', [join(ROOT, 'scripts', 'pwa-precache.mjs'), dist], { stdio: 'ignore' });

      // A sale is under way when the browser finds the new version.
      await reg.scan(products.hat.barcode);
      await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
      await page.getByTestId('update-ready').waitFor({ timeout: 60_000 });
      assert.match(await reg.text('update-ready'), /Nouvelle version prête\s*Mettre à jour/);
      await page.evaluate(() => { window.e2eSamePage = true; });
      await page.getByTestId('update-apply').click();
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(await page.evaluate(() => window.e2eSamePage), true, 'not applied during the sale');
      assert.equal(await reg.lines().count(), 1);
      assert.equal(await reg.text('update-apply'), 'Après cette vente…');
      assert.equal(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => !!r.waiting)), true);

      // The server goes away; the sale completes offline, then the new version is applied.
      await own.stop();
      const receipt = await reg.pay('20');
      await eventually(async () => assert.equal(await page.locator('meta[name="e2e-build"]').count(), 1), { timeout: 30_000 });
      await reg.ready();
      assert.equal(await page.evaluate(() => window.e2eSamePage), undefined, 'reloaded');
      await eventually(async () => assert.equal((await cacheNames()).length, 1));
      assert.notEqual((await cacheNames())[0], v1, 'the old cache is gone');
      assert.equal(await page.getByTestId('update-ready').count(), 0);
      await eventually(async () => assert.equal(await reg.status(), 'hors ligne — 1 vente en attente'));

      // The unsent sale survived the update: it reaches the server once.
      await own.start();
      await eventually(async () => assert.equal(await reg.status(), 'en ligne'), BACK);
      assert.equal(counts(await serverReceipts(own)).get(receipt), 1);
    } finally {
      await context.close();
      await own.stop();
      rmSync(dist, { recursive: true, force: true });
    }
  });
});
