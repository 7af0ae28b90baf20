// Benchmarks of the register in headless Chromium (figures printed, nothing asserted):
//  - release .wasm and JS sizes, gzipped: the register's (dist/) and the back office's (dist/gestion/);
//  - navigation → ready to scan (first load with catalog download, and reload from IndexedDB);
//  - scan → line rendered (median, p95 over 200 scans), against a baseline measured in the same page:
//    appending a table row with plain DOM calls.
// Run with scripts/bench (it builds first). BENCH_PRODUCTS=100000 adds generated products.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, RegisterPage, enrolmentCode, launchBrowser, startServer } from './support.mjs';

const SCANS = 200;
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const ms = (x) => `${x.toFixed(2)} ms`;

function sizes() {
  for (const [app, dir] of [['register', 'dist'], ['back office', join('dist', 'gestion')]]) {
    const dist = join(ROOT, dir);
    for (const f of readdirSync(dist)) {
      // sw.js is the service worker, not the app's code.
      if (f.endsWith('.wasm') || (f.endsWith('.js') && f !== 'sw.js')) {
        const raw = readFileSync(join(dist, f));
        console.log(`${app}: ${f.endsWith('.wasm') ? 'wasm' : 'js  '}  ${(raw.length / 1024).toFixed(1)} KB raw, ${(gzipSync(raw, { level: 9 }).length / 1024).toFixed(1)} KB gzip`);
      }
    }
  }
}

async function navigation(browser, server, runs) {
  const first = [], reload = [];
  for (let i = 0; i < runs; i++) {
    // A fresh device is enrolled first: its first load is timed from the enrolment's submit (the
    // catalog download follows it), not from the navigation, which waits for a person to type a code.
    const context = await browser.newContext();
    const reg = new RegisterPage(await context.newPage(), server);
    await reg.page.goto(server.url);
    await reg.page.getByTestId('enrol-code').fill(await enrolmentCode(server, 'montreal-1'));
    const t0 = await reg.page.evaluate(() => performance.now());
    await reg.page.getByTestId('enrol-submit').click();
    await reg.page.getByTestId('enrol').waitFor({ state: 'detached' });
    reg.register = 'montreal-1';
    await reg.ready();
    first.push(await reg.page.evaluate((t0) => window.__comptoirReadyMs - t0, t0));
    await reg.page.reload();
    await reg.ready();
    reload.push(await reg.page.evaluate(() => window.__comptoirReadyMs));
    await context.close();
  }
  console.log(`enrolment → ready, first load (catalog download): median ${ms(pct(first, 0.5))}, max ${ms(Math.max(...first))}`);
  console.log(`navigation → ready, reload (catalog from IndexedDB): median ${ms(pct(reload, 0.5))}, max ${ms(Math.max(...reload))}`);
}

/**
 * A modest tablet (issue 13 item 8): the CPU 4× slower and a throttled mobile network (150 ms, 1,6 Mb/s
 * down, 750 kb/s up), through the DevTools protocol. An enrolled register is reloaded: navigation →
 * ready to scan, and the layout shift summed over the load and the second after (the CLS of the load).
 */
async function modestTablet(browser, server, runs = 3) {
  const ready = [], shifts = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => {
      window.__cls = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
      }).observe({ type: 'layout-shift', buffered: true });
    });
    const reg = await new RegisterPage(await context.newPage(), server).open();
    const cdp = await context.newCDPSession(reg.page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 94_000 });
    await reg.page.reload();
    await reg.ready();
    await reg.page.waitForTimeout(1000);
    ready.push(await reg.page.evaluate(() => window.__comptoirReadyMs));
    shifts.push(await reg.page.evaluate(() => window.__cls));
    await context.close();
  }
  console.log(`modest tablet (CPU 4× slower, 150 ms and 1,6 Mb/s): navigation → ready to scan, median ${ms(pct(ready, 0.5))}, max ${ms(Math.max(...ready))}; layout shift over the load, median ${pct(shifts, 0.5).toFixed(3)}, max ${Math.max(...shifts).toFixed(3)}`);
}

async function scans(browser, server, products) {
  const context = await browser.newContext();
  const reg = await new RegisterPage(await context.newPage(), server).open();
  const result = await reg.page.evaluate(async ({ products, n }) => {
    const main = document.querySelector('main');
    const until = (done) => done() ? Promise.resolve() : new Promise((res) => {
      const mo = new MutationObserver(() => { if (done()) { mo.disconnect(); res(); } });
      mo.observe(main, { subtree: true, childList: true, characterData: true });
    });
    const key = (k) => document.body.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
    const qty = new Map();
    const times = [];
    for (let i = 0; i < n; i++) {
      const p = products[i % products.length];
      const want = String((qty.get(p.sku) || 0) + 1);
      qty.set(p.sku, Number(want));
      await new Promise((r) => setTimeout(r, 0));
      const t0 = performance.now();
      for (const ch of p.barcode) key(ch);
      key('Enter');
      await until(() => document.querySelector(`tr.line[data-sku="${CSS.escape(p.sku)}"] .qty-value`)?.textContent === want);
      times.push(performance.now() - t0);
    }
    // Baseline: the same observation of a row appended by hand-written DOM code.
    const table = document.createElement('table');
    main.appendChild(table);
    const base = [];
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setTimeout(r, 0));
      const t0 = performance.now();
      const tr = document.createElement('tr');
      tr.innerHTML = `<td>${i}</td><td>1</td><td>1,00 $</td><td>1,00 $</td>`;
      table.appendChild(tr);
      await until(() => table.rows.length === i + 1);
      base.push(performance.now() - t0);
    }
    table.remove();
    return { times, base, lines: document.querySelectorAll('tr.line').length };
  }, { products, n: SCANS });
  const p50 = pct(result.times, 0.5), p95 = pct(result.times, 0.95), b50 = pct(result.base, 0.5);
  console.log(`scan → line rendered over ${SCANS} scans (${result.lines} lines in the cart): median ${ms(p50)}, p95 ${ms(p95)} (one frame = 16.67 ms; p95 is ${(p95 / 16.67 * 100).toFixed(0)} % of a frame)`);
  // The page's clock is coarsened to 0.1 ms: a baseline under it is reported as that bound.
  const floor = Math.max(b50, 0.1);
  console.log(`  baseline, plain DOM row append observed the same way: median ${b50 < 0.1 ? '< 0.1 ms (clock resolution)' : ms(b50)}; ours / baseline at the median: ${b50 < 0.1 ? '≥ ' : ''}${(p50 / floor).toFixed(1)}×`);
  await context.close();
}

/**
 * Completing a sale (Payer → exact cash → "Vente complétée" rendered: one strict IndexedDB transaction
 * over meta, sales and outbox, plus the screen) against the floor: the same transaction in plain JS
 * on raw IndexedDB, in the same page.
 */
async function commits(browser, server, products, n = 40, gap = 0) {
  const context = await browser.newContext();
  const reg = await new RegisterPage(await context.newPage(), server).open();
  // BENCH_PROFILE=1: where the main thread's time goes during the commits (sampling profiler, self time).
  const cdp = process.env.BENCH_PROFILE ? await context.newCDPSession(reg.page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  const result = await reg.page.evaluate(async ({ products, n, gap }) => {
    const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
    const until = (done) => done() ? Promise.resolve() : new Promise((res) => {
      const mo = new MutationObserver(() => { if (done()) { mo.disconnect(); res(); } });
      mo.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const key = (k) => document.body.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
    const ours = [], commit = [], phases = [];
    for (let i = 0; i < n; i++) {
      const p = products[i % products.length];
      await new Promise((r) => setTimeout(r, 0));
      for (const ch of p.barcode) key(ch);
      key('Enter');
      await until(() => document.querySelector('tr.line'));
      $('pay').click();
      await until(() => $('confirm-pay'));
      const before = $('receipt-number')?.textContent;
      // A cashier's pause before confirming: the pusher and the pull of the sale before have settled.
      if (gap) await new Promise((r) => setTimeout(r, gap));
      const t0 = performance.now();
      $('confirm-pay').click();
      await until(() => $('receipt-number') && $('receipt-number').textContent !== before);
      ours.push(performance.now() - t0);
      commit.push(window.__comptoirLastCommitMs);
      phases.push(window.__comptoirCommitPhases);
    }
    const db = await new Promise((ok, fail) => {
      const req = indexedDB.open(`bench-raw-${Math.random()}`, 1);
      req.onupgradeneeded = () => ['meta', 'sales', 'outbox'].forEach((s) => req.result.createObjectStore(s));
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
    const sale = JSON.stringify({ id: 'x', lines: [{ product_id: 'p', qty: 1, unit_price: 1299 }], totals: { total: 1494 } });
    const raw = [];
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setTimeout(r, 0));
      const t0 = performance.now();
      await new Promise((ok, fail) => {
        const tx = db.transaction(['meta', 'sales', 'outbox'], 'readwrite', { durability: 'strict' });
        const meta = tx.objectStore('meta');
        const get = meta.get('next_seq');
        get.onsuccess = () => {
          const seq = Number(get.result || 1);
          tx.objectStore('sales').put(sale, `s${i}`);
          tx.objectStore('outbox').put(sale, String(seq).padStart(12, '0'));
          meta.put(String(seq + 1), 'next_seq');
        };
        tx.oncomplete = ok;
        tx.onerror = () => fail(tx.error);
      });
      raw.push(performance.now() - t0);
    }
    // The same shape of transaction on the register's own database while the app runs (its pusher,
    // pulls and timers live): what waiting for the app's other transactions costs, apart from wasm.
    const name = (await indexedDB.databases()).map((d) => d.name).find((d) => !d.startsWith('bench-raw'));
    const own = await new Promise((ok, fail) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
    const shared = [];
    for (let i = 0; i < n; i++) {
      if (gap) await new Promise((r) => setTimeout(r, gap));
      await new Promise((r) => setTimeout(r, 0));
      const t0 = performance.now();
      await new Promise((ok, fail) => {
        const tx = own.transaction(['meta', 'sales', 'outbox'], 'readwrite', { durability: 'strict' });
        const get = tx.objectStore('meta').get('bench-probe');
        get.onsuccess = () => tx.objectStore('meta').put(String(i), 'bench-probe');
        tx.oncomplete = ok;
        tx.onerror = () => fail(tx.error);
      });
      shared.push(performance.now() - t0);
    }
    own.close();
    return { ours, commit, raw, phases, shared };
  }, { products, n, gap });
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map();
    const dt = profile.timeDeltas || [];
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    (profile.samples || []).forEach((id, i) => {
      const f = byId.get(id).callFrame;
      const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
      self.set(key, (self.get(key) || 0) + (dt[i] || 0) / 1000);
    });
    console.log('  main thread self time during the commits (top 25):');
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`    ${v.toFixed(1)} ms  ${k}`);
  }
  const o50 = pct(result.ours, 0.5), o95 = pct(result.ours, 0.95), r50 = pct(result.raw, 0.5), r95 = pct(result.raw, 0.95);
  const c50 = pct(result.commit, 0.5), c95 = pct(result.commit, 0.95);
  const pace = gap ? `, ${gap} ms after the pay dialog opened, as a cashier takes` : ', confirmed as soon as the pay dialog opens (back to back)';
  console.log(`sale commit over ${n} sales${pace} (the register's strict transaction over meta, sales, outbox): median ${ms(c50)}, p95 ${ms(c95)}`);
  console.log(`  baseline, the same transaction in plain JS on raw IndexedDB: median ${ms(r50)}, p95 ${ms(r95)}; ours / raw at the median: ${(c50 / Math.max(r50, 0.1)).toFixed(2)}×`);
  console.log(`  the same transaction in plain JS on the register's own database while it runs: median ${ms(pct(result.shared, 0.5))}, p95 ${ms(pct(result.shared, 0.95))}`);
  const phase = (i) => ms(pct(result.phases.map((p) => p[i]), 0.5));
  console.log(`  of which (medians): reads answered ${phase(0)}, sealing and writing ${phase(1)}, commit ${phase(2)}`);
  console.log(`  Payer's confirm → the completed sale on screen (commit + re-rendering): median ${ms(o50)}, p95 ${ms(o95)}`);
  await context.close();
}

const extra = Number(process.env.BENCH_PRODUCTS || 0);
sizes();
const browser = await launchBrowser();
for (const n of [0, ...(extra ? [extra] : [])]) {
  const server = await startServer(n ? { COMPTOIR_DEMO_EXTRA_PRODUCTS: String(n) } : {});
  const { body } = await server.api(`/api/v1/catalog?limit=5000${n ? '&after=x' : ''}`);
  const products = body.products.filter((p) => p.barcode).slice(0, 60);
  console.log(`\n-- catalog of ${n ? `${n} + ` : ''}demo products --`);
  await navigation(browser, server, n ? 2 : 5);
  if (!n) await modestTablet(browser, server);
  await scans(browser, server, products);
  if (!n) {
    const sellable = products.filter((p) => !p.tracks_serials);
    await commits(browser, server, sellable);
    await commits(browser, server, sellable, 40, 500);
  }
  await server.stop();
}
await browser.close();
