// Devices (one browser profile each): their own numbers and sequences, a register switch with sales
// queued, and a sale the server holds for review — shown in the header and exported.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { RegisterPage, browserDevice, clean, counts, deviceHeaders, eventually, serverReceipts, useShop } from './support.mjs';

// After failures the register retries with a growing, jittered delay (at most 30 s).
const BACK = { timeout: 45_000 };

async function held(server) {
  return (await server.api('/api/v1/held')).body;
}

describe('devices', () => {
  let server, browser, products;
  useShop((s) => ({ server, browser, products } = s));

  test('two devices on one register each sell: both sales arrive, with distinct receipts, nothing held or refused', async () => {
    const heldBefore = (await held(server)).length;
    const [ca, cb] = [await browser.newContext(), await browser.newContext()];
    const a = await new RegisterPage(await ca.newPage(), server).open('?register=montreal-1');
    const b = await new RegisterPage(await cb.newPage(), server).open('?register=montreal-1');
    await a.scan(products.hat.barcode);
    await b.scan(products.hat.barcode);
    const [ra, rb] = await Promise.all([a.pay('20'), b.pay('20')]);
    assert.notEqual(ra, rb);
    const [, na, sa] = ra.match(/^MTL1-(\d+)-(\d{6})$/);
    const [, nb, sb] = rb.match(/^MTL1-(\d+)-(\d{6})$/);
    assert.notEqual(na, nb, 'each device has its own number');
    assert.equal(sa, '000001', 'and its own sequence');
    assert.equal(sb, '000001');
    await eventually(async () => {
      const stored = counts(await serverReceipts(server));
      assert.equal(stored.get(ra), 1);
      assert.equal(stored.get(rb), 1);
    });
    for (const r of [a, b]) {
      await eventually(async () => assert.equal(await r.status(), 'en ligne'));
      assert.equal(await r.page.getByTestId('held').count(), 0);
      assert.equal(await r.page.getByTestId('refused').count(), 0);
    }
    assert.equal((await held(server)).length, heldBefore);
    await ca.close();
    await cb.close();
  });

  // Enrolment fixes a device's register (a manager enrols it again to change it): what is left of the
  // old register switch is the queue kept across reloads, with one sequence for the device.
  test('sales queued while the server is unreachable, across a reload, each arrive once in one device sequence', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    let blocked = 'none';
    // 'push': pushes fail (setup still answers); 'all': the server is gone.
    await page.route('**/api/v1/**', async (route) => {
      const url = route.request().url();
      if (blocked === 'all' || (blocked === 'push' && url.includes('/sync/push'))) return route.abort('connectionrefused');
      return route.continue();
    });
    const reg = await new RegisterPage(page, server).open('?register=laval-1');
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    blocked = 'push';
    const receipts = [];
    await reg.scan(products.hat.barcode);
    receipts.push(await reg.pay('20'));
    await eventually(async () => assert.match(await reg.status(), /hors ligne — 1 vente en attente/));

    await page.reload();
    await reg.ready();
    assert.match(await reg.text('register'), /Laval/);
    assert.match(await reg.status(), /1 vente en attente/, 'a reload leaves the queue alone');
    await reg.scan(products.hat.barcode);
    receipts.push(await reg.pay('20'));

    blocked = 'all';
    await page.reload();
    await reg.ready();
    await reg.scan(products.shirt.barcode);
    receipts.push(await reg.pay('50'));
    await eventually(async () => assert.match(await reg.status(), /hors ligne — 3 ventes en attente/));
    const [n] = receipts[0].match(/^LAV1-(\d+)-000001$/).slice(1);
    assert.deepEqual(receipts, [`LAV1-${n}-000001`, `LAV1-${n}-000002`, `LAV1-${n}-000003`], 'one sequence for the device');

    blocked = 'none';
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'), BACK);
    const { body } = await server.api('/api/v1/sales?limit=1000');
    for (const r of receipts) assert.equal(body.filter((s) => s.receipt === r).length, 1, `${r} stored once`);
    assert.deepEqual(receipts.map((r) => body.find((s) => s.receipt === r).cashier_id), ['marc', 'marc', 'marc'], 'each names its cashier');
    assert.equal(await reg.page.getByTestId('held').count(), 0);
    assert.equal(await reg.page.getByTestId('refused').count(), 0);
    await context.close();
  });

  test('a sale the server holds for review is counted in the header, listed with its reason and exported', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    // This register's copy of the catalog has the hat 1,00 $ dearer than the server's, with no override.
    await page.route((url) => url.pathname === '/api/v1/sync/changes', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      for (const c of body.changes) if (c.entity.kind === 'product' && c.entity.id === 'hat') c.entity.price += 100;
      await route.fulfill({ response, json: body });
    });
    const reg = await new RegisterPage(page, server).open('?register=montreal-1');
    await reg.scan(products.hat.barcode);
    const receipt = await reg.pay('50');
    await eventually(async () => assert.equal(await reg.text('held'), '1 vente retenue pour vérification'));
    await eventually(async () => assert.equal(await reg.status(), 'en ligne')); // the server has it: not pending
    const onServer = (await held(server)).find((h) => h.sale.receipt === receipt);
    assert.ok(onServer, 'the server keeps it, held');
    assert.equal(onServer.reason.code, 'price_without_override');
    assert.ok(!(await serverReceipts(server)).includes(receipt), 'held, not stored');

    await page.getByTestId('lang-switch').click();
    assert.equal(await reg.text('held'), '1 sale held for review');
    await page.getByTestId('lang-switch').click();

    await page.getByTestId('show-unsent').click();
    const row = page.locator(`[data-testid="unsent-dialog"] tr[data-receipt="${receipt}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'held');
    assert.match(clean(await row.innerText()), /retenue pour vérification.*sans dérogation/);
    await page.getByTestId('close-unsent').click();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-pending').click()]);
    const file = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.ok(file.device_id, 'a push request, with the device');
    const sale = file.sales.find((s) => s.receipt === receipt);
    assert.ok(sale, 'the held sale is in the file');
    assert.equal(sale.device_id, file.device_id);
    // Importing the file again (with the device's own credential) is harmless: the server already holds it.
    const again = await server.api('/api/v1/sync/push', { method: 'POST', headers: deviceHeaders(await browserDevice(page)), body: JSON.stringify(file) });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.results.find((r) => r.sale_id === sale.id).status, 'held');
    await context.close();
  });

  test('a sale the server refuses as not a sale is kept, counted, listed and exported apart; the others still flow', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    let refuse = null;
    let offline = false;
    // Offline, or the server answers a push naming `refuse` as not a sale (what a 4xx naming a sale means).
    await page.route('**/api/v1/sync/push', async (route) => {
      if (offline) return route.abort('connectionrefused');
      const req = route.request().postDataJSON();
      const target = req.sales.find((s) => s.receipt === refuse);
      if (!target) return route.continue();
      await route.fulfill({ status: 400, json: { error: 'out_of_range', message: `sale ${target.id}: lines[0].qty: out of range`, seq: target.seq, sale_id: target.id } });
    });
    const reg = await new RegisterPage(page, server).open('?register=montreal-1');
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    offline = true;
    await reg.scan(products.hat.barcode);
    const bad = await reg.pay('20');
    await reg.scan(products.shirt.barcode);
    const good = await reg.pay('50');
    refuse = bad;
    offline = false;
    await eventually(async () => assert.equal(await reg.text('refused'), '1 vente refusée'), BACK);
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    assert.equal(counts(await serverReceipts(server)).get(good), 1, 'the sale behind it still reached the server');

    await page.getByTestId('show-unsent').click();
    const row = page.locator(`[data-testid="unsent-dialog"] tr[data-receipt="${bad}"]`);
    assert.equal(await row.getAttribute('data-state'), 'refused');
    assert.match(clean(await row.innerText()), /refusée.*out of range/);
    await page.getByTestId('close-unsent').click();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-pending').click()]);
    assert.match(download.suggestedFilename(), /-refusees\.json$/);
    const file = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.deepEqual(file.sales.map((s) => s.receipt), [bad]);
    await page.reload();
    await reg.ready();
    await eventually(async () => assert.equal(await reg.text('refused'), '1 vente refusée')); // kept across a reload
    await context.close();
  });
});
