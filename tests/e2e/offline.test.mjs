// Durable and exactly once: the register keeps selling without its server and loses nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { RegisterPage, counts, deviceHeaders, eventually, introduce, oneUnitSale, push, serverReceipts, useShop } from './support.mjs';

// After failures the register retries with a growing, jittered delay (at most 30 s).
const BACK = { timeout: 45_000 };

describe('selling offline', () => {
  let server, browser, products;
  useShop((s) => ({ server, browser, products } = s));

  test('with the server stopped, sales complete and wait; when it is back they reach it once each', async () => {
    const context = await browser.newContext();
    const reg = await new RegisterPage(await context.newPage(), server).open('?register=sherbrooke-1');
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));

    await server.stop();
    const receipts = [];
    for (const id of ['hat', 'shoes']) {
      await reg.scan(products[id].barcode);
      receipts.push(await reg.pay('200'));
    }
    await eventually(async () => assert.equal(await reg.status(), 'hors ligne — 2 ventes en attente'));

    await server.start();
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'), BACK);
    const stored = counts(await serverReceipts(server));
    for (const r of receipts) assert.equal(stored.get(r), 1, `${r} stored once`);
    await context.close();
  });

  test('sales queued when the tab was closed are delivered when it is opened again', async () => {
    const context = await browser.newContext();
    let reg = await new RegisterPage(await context.newPage(), server).open('?register=laval-1');
    await server.stop();
    await reg.scan(products.shirt.barcode);
    const receipt = await reg.pay('50');
    await eventually(async () => assert.match(await reg.status(), /hors ligne — 1 vente en attente/));
    await reg.page.close();

    await server.start();
    assert.ok(!(await serverReceipts(server)).includes(receipt));
    reg = await new RegisterPage(await context.newPage(), server).open();
    await eventually(async () => assert.equal(counts(await serverReceipts(server)).get(receipt), 1), BACK);
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    await context.close();
  });

  test('a push whose answer is lost is sent again and the sale is stored once', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    let lost = 0;
    // The server receives the first push and stores it, but the register never hears back.
    await page.route('**/api/v1/sync/push', async (route) => {
      if (lost === 0) {
        lost++;
        await route.fetch();
        await route.abort('connectionreset');
      } else {
        await route.continue();
      }
    });
    const reg = await new RegisterPage(page, server).open('?register=montreal-1');
    await reg.scan(products.hat.barcode);
    const receipt = await reg.pay('20');
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'), BACK);
    assert.equal(lost, 1);
    assert.equal(counts(await serverReceipts(server)).get(receipt), 1);
    await context.close();
  });

  test('two tabs of one register never reuse a sequence number', async () => {
    const context = await browser.newContext();
    const a = await new RegisterPage(await context.newPage(), server).open('?register=montreal-1');
    const b = await new RegisterPage(await context.newPage(), server).open();
    await a.scan(products.hat.barcode);
    await b.page.bringToFront();
    await b.scan(products.hat.barcode);
    const [ra, rb] = await Promise.all([a.pay('20'), b.pay('20')]);
    assert.notEqual(ra, rb);
    await eventually(async () => {
      const stored = counts(await serverReceipts(server));
      assert.equal(stored.get(ra), 1);
      assert.equal(stored.get(rb), 1);
    });
    await context.close();
  });

  test('unsent sales exported to a file are imported by the server once, even if the register pushes them later', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const reg = await new RegisterPage(await context.newPage(), server).open('?register=sherbrooke-1');
    await server.stop();
    await reg.scan(products.shoes.barcode);
    const receipt = await reg.pay('200');
    await eventually(async () => assert.match(await reg.status(), /hors ligne — 1 vente en attente/));
    const [download] = await Promise.all([reg.page.waitForEvent('download'), reg.page.getByTestId('export-pending').click()]);
    assert.match(download.suggestedFilename(), /^comptoir-appareil-\d+-[0-9T-]+Z\.json$/);
    const file = await readFile(await download.path(), 'utf8');

    // The browser is wiped: only the file is left. A manager's code enrols the file's device id again
    // (same number), and its ordinary push imports the file.
    await context.close();
    await server.start();
    const device = await introduce(server, JSON.parse(file).device_id, 'sherbrooke-1');
    const imported = await server.api('/api/v1/sync/push', { method: 'POST', headers: deviceHeaders(device), body: file });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    assert.equal(imported.body.results[0].status, 'stored');
    const again = await server.api('/api/v1/sync/push', { method: 'POST', headers: deviceHeaders(device), body: file });
    assert.equal(again.body.results[0].status, 'duplicate');
    assert.equal(counts(await serverReceipts(server)).get(receipt), 1);
  });

  test('the same push sent twice over HTTP is stored once', async () => {
    const { hat } = products;
    const device = await introduce(server, 'e2e-twice');
    const sale = oneUnitSale(hat, { device, seq: 1, id: 'e2e-twice-1' });
    const first = await push(server, device, [sale]);
    const second = await push(server, device, [sale]);
    const third = await push(server, device, [sale]);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.results, [{ sale_id: sale.id, seq: 1, status: 'stored' }]);
    assert.deepEqual(second.body.results, [{ sale_id: sale.id, seq: 1, status: 'duplicate' }]);
    assert.deepEqual(third.body.results, [{ sale_id: sale.id, seq: 1, status: 'duplicate' }]);
    assert.equal(counts(await serverReceipts(server)).get(sale.receipt), 1);
  });

  test('a malformed push gets a 4xx with a JSON body saying what is wrong', async () => {
    const device = await introduce(server, 'e2e-malformed');
    const r = await server.api('/api/v1/sync/push', { method: 'POST', headers: deviceHeaders(device), body: '{"device_id":' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'bad_request');
    assert.match(r.body.message, /invalid JSON/);
  });
});
