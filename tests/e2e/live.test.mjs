// Sync down at the register: a fresh register downloads the change log with a progress bar then sells;
// open registers apply other registers' sales live (the stream of change notifications); a dropped
// stream reconnects and brings what changed meanwhile; the register says its stock agrees with the
// server's ledger.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MANAGER, RegisterPage, clean, eventually, signIn, introduce, launchBrowser, oneUnitSale, push, startServer, useShop,
} from './support.mjs';

/** The count a low-stock quick key shows ('' when it shows its price). */
async function keyCount(reg, productId) {
  const count = reg.page.locator(`.quick-key[data-product="${productId}"] .qk-count`);
  return (await count.count()) ? clean(await count.innerText()) : '';
}

/** How many times the page opened the live stream. */
function connections(reg) {
  return reg.page.evaluate(() => window.__comptoirStreamConnections || 0);
}

/** A quick key of Montréal at or below its low-stock threshold with more than `least` units left. */
async function lowKey(server, products, least) {
  const { body: levels } = await server.api('/api/v1/stock?outlet=montreal');
  const low = levels
    .map((l) => ({ ...l, product: products[l.product_id] }))
    .find((l) => l.product?.quick_key && !l.product.tracks_serials && l.product.low_stock_threshold != null
      && l.level <= l.product.low_stock_threshold && l.level > least);
  assert.ok(low, 'the demo shop has a low-stock quick key at Montréal');
  return low;
}

describe('a fresh register', () => {
  const EXTRA = 20_000;
  let server, browser;
  before(async () => {
    server = await startServer({ COMPTOIR_DEMO_EXTRA_PRODUCTS: String(EXTRA) });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('shows how far its download is, then sells what it downloaded', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // The download is held after its first page, so the bar can be read at a known point.
    let release;
    const held = new Promise((ok) => { release = ok; });
    let pages = 0;
    await page.route('**/api/v1/sync/changes*', async (route) => {
      if (++pages === 2) await held;
      await route.continue();
    });
    const reg = new RegisterPage(page, server);
    reg.register = 'montreal-1';
    await page.goto(server.url);
    await page.getByTestId('enrol').waitFor();
    await reg.enrol('montreal-1');
    const bar = page.getByTestId('pull-progress');
    await bar.waitFor({ timeout: 30_000 });
    const value = await eventually(async () => {
      const v = Number(await bar.locator('progress').getAttribute('value'));
      assert.ok(v > 0 && v < 1000, `one page of many: ${v}‰`);
      return v;
    });
    assert.equal(clean(await bar.innerText()), `Téléchargement des données du serveur : ${Math.floor(value / 10)} %`);
    assert.equal(await page.locator('.sell').getAttribute('data-ready'), 'false', 'no selling from half a download');
    // The switch-in dialog covers the header: the language button is pressed without the pointer.
    await page.getByTestId('lang-switch').dispatchEvent('click');
    assert.equal(clean(await bar.innerText()), `Downloading from the server: ${Math.floor(value / 10)} %`);
    await page.getByTestId('lang-switch').dispatchEvent('click');

    const released = Date.now();
    release();
    await bar.waitFor({ state: 'detached', timeout: 120_000 });
    console.log(`# fresh register, ${EXTRA} generated products + the demo shop: rest of the download (${pages} pages) in ${Date.now() - released} ms`);
    await reg.ready();
    await reg.scan('GEN-0019999');
    await reg.scan('SHIRT');
    assert.equal((await reg.lineTexts()).length, 2, 'a generated product and a demo one');
    const receipt = await reg.pay('500');
    assert.match(receipt, /^MTL1-\d+-000001$/);
    await context.close();
  });
});

describe('live updates', () => {
  let server, browser, products;
  useShop((s) => ({ server, browser, products } = s));

  test('a sale on one register updates the quick-key stock count on another, without a reload', async () => {
    const low = await lowKey(server, products, 1);
    const [ca, cb] = [await browser.newContext(), await browser.newContext()];
    const a = await new RegisterPage(await ca.newPage(), server).open('?register=montreal-1');
    const b = await new RegisterPage(await cb.newPage(), server).open('?register=montreal-1');
    await eventually(async () => assert.equal(await keyCount(b, low.product_id), String(low.level)));
    await eventually(async () => assert.ok(await connections(b) >= 1, 'listening'));

    const latencies = [];
    for (let i = 1; i <= Math.min(3, low.level - 1); i++) {
      await a.page.locator(`.quick-key[data-product="${low.product_id}"]`).click();
      await a.pay('100');
      const sold = Date.now();
      await eventually(async () => assert.equal(await keyCount(b, low.product_id), String(low.level - i)), { interval: 10 });
      latencies.push(Date.now() - sold);
    }
    console.log(`# sale recorded on A → count on B's quick key (includes A's push): ${latencies.join(', ')} ms`);

    // Sales history, open on B (a manager signed in there: it is the back office's), lists A's next
    // sale as it arrives.
    await signIn(b.page, server, MANAGER);
    await b.page.goto(`${server.url}/ventes`);
    await b.page.getByTestId('history-rows').waitFor();
    await a.scan('SHIRT');
    const receipt = await a.pay('100');
    const sold = Date.now();
    await b.page.locator(`tr[data-receipt="${receipt}"]`).waitFor({ timeout: 15_000 });
    console.log(`# sale recorded on A → row on B's open sales page: ${Date.now() - sold} ms`);
    await ca.close();
    await cb.close();
  });

  test('a dropped stream reconnects and brings what changed while it was down', async () => {
    const low = await lowKey(server, products, 0);
    const context = await browser.newContext();
    const reg = await new RegisterPage(await context.newPage(), server).open('?register=montreal-1');
    await eventually(async () => assert.equal(await keyCount(reg, low.product_id), String(low.level)));
    await eventually(async () => assert.ok(await connections(reg) >= 1));
    const before = await connections(reg);

    // The stream drops (the server stops) and cannot come back until we let it.
    await reg.page.route('**/api/v1/events*', (route) => route.abort('connectionrefused'));
    await server.stop();
    await server.start();
    // Meanwhile another register sells one.
    const device = await introduce(server, `e2e-live-${Date.now()}`);
    const { status } = await push(server, device, [oneUnitSale(products[low.product_id], { device, seq: 1, id: `e2e-live-${Date.now()}` })]);
    assert.equal(status, 200);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await keyCount(reg, low.product_id), String(low.level), 'not heard of yet: the stream is down');

    await reg.page.unroute('**/api/v1/events*');
    const back = Date.now();
    await eventually(async () => assert.equal(await keyCount(reg, low.product_id), String(low.level - 1)), { timeout: 45_000 });
    assert.ok(await connections(reg) > before, 'through a new connection');
    console.log(`# stream let through again → the change made meanwhile shown: ${Date.now() - back} ms (includes the back-off)`);
    await context.close();
  });

  test('the register says its stock agrees with the server, at which version', async () => {
    const context = await browser.newContext();
    const reg = await new RegisterPage(await context.newPage(), server).open('?register=montreal-1');
    const agreement = reg.page.getByTestId('ledger-agreement');
    await agreement.waitFor({ timeout: 30_000 });
    assert.equal(await agreement.getAttribute('data-state'), 'agree');
    const [, version] = (await reg.text('ledger-agreement')).match(/^En accord avec le serveur \(version (\d+)\)$/);
    await reg.scan(products.hat.barcode);
    await reg.pay('50');
    // Our own sale moves the server on; once pulled, the register agrees at the newer version.
    await eventually(async () => {
      const [, now] = (await reg.text('ledger-agreement')).match(/^En accord avec le serveur \(version (\d+)\)$/);
      assert.ok(Number(now) > Number(version), `${now} > ${version}`);
    });
    await reg.page.getByTestId('lang-switch').click();
    assert.match(await reg.text('ledger-agreement'), /^In agreement with the server \(version \d+\)$/);
    await reg.page.getByTestId('lang-switch').click();
    await context.close();
  });
});
