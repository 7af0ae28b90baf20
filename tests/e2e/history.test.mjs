// Caisse › Historique des ventes (issue 12, item 3) in a real browser against the real server: sales made
// at a register are listed, filtered by receipt and by cashier (the filters in the address), a sale's
// details (taxes per rate, tenders), its receipt reprinted on 80 mm paper, a note clicked twice added
// once, one unit returned at the register and the return listed on the original; a cashier is refused
// and Montréal's manager never sees Laval's sales.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MANAGER, RegisterPage, clean, eventually, introduce, oneUnitSale, push, receiptNumber, signIn, signInByApi, useShop,
} from './support.mjs';

describe('sales history', () => {
  let server, browser, products, page, reg, receipt, sophieSale, lavalSale;
  useShop((s) => ({ server, browser, products } = s));

  before(async () => {
    // One browser: Montréal's register (Julie switched in), where the manager also signs in.
    const context = await browser.newContext({ timezoneId: 'America/Montreal' });
    page = await context.newPage();
    reg = await new RegisterPage(page, server).open('?register=montreal-1');
    await reg.scan(products.hat.barcode);
    await reg.scan(products.hat.barcode);
    await eventually(async () => assert.equal(await reg.text('total'), '34,49 $'));
    receipt = await reg.pay('40');
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'), { timeout: 30_000 });

    // Sophie's sale at Montréal and Marc's at Laval, put on the server by their registers.
    const mtl = await introduce(server, 'e2e-history-mtl');
    sophieSale = oneUnitSale(products.shirt, { device: mtl, seq: 1, id: 'e2e-history-sophie', cashier: 'sophie' });
    assert.equal((await push(server, mtl, [sophieSale])).body.results[0].status, 'stored');
    const lav = await introduce(server, 'e2e-history-lav', 'laval-1');
    lavalSale = {
      ...oneUnitSale(products.shoes, { device: lav, seq: 1, id: 'e2e-history-laval', cashier: 'marc' }),
      register_id: 'laval-1', outlet_id: 'laval', receipt: receiptNumber('LAV1', lav.number, 1),
    };
    assert.equal((await push(server, lav, [lavalSale])).body.results[0].status, 'stored');

    await signIn(page, server, MANAGER);
  });

  const rows = () => page.getByTestId('history-row');
  const receipts = async () => (await rows().evaluateAll((r) => r.map((x) => x.dataset.receipt)));

  test('sales made at a register appear, newest first, with total and cashier; Laval\'s are not listed', async () => {
    await page.goto(`${server.url}/ventes`);
    assert.equal(clean(await page.locator('h1').innerText()), 'Historique des ventes');
    await eventually(async () => assert.deepEqual(await receipts(), [sophieSale.receipt, receipt]), { timeout: 30_000 });
    const mine = page.locator(`tr[data-receipt="${receipt}"]`);
    assert.equal(clean(await mine.getByTestId('row-total').innerText()), '34,49 $');
    assert.equal(clean(await mine.getByTestId('row-cashier').innerText()), 'Julie');
    assert.ok(!(await receipts()).includes(lavalSale.receipt));
  });

  test('filters by receipt and by cashier, kept in the address so a link reopens the same view', async () => {
    await page.getByTestId('filter-recu').fill(receipt);
    await page.getByTestId('apply-filters').click();
    await eventually(async () => assert.deepEqual(await receipts(), [receipt]));
    assert.equal(new URL(page.url()).searchParams.get('recu'), receipt);
    await page.reload();
    await eventually(async () => assert.deepEqual(await receipts(), [receipt]), { timeout: 30_000 });
    assert.equal(await page.getByTestId('filter-recu').inputValue(), receipt);

    await page.getByTestId('reset-filters').click();
    await eventually(async () => assert.equal((await receipts()).length, 2));
    await eventually(async () => assert.ok(await page.getByTestId('filter-caissier').locator('option[value="sophie"]').count()));
    await page.getByTestId('filter-caissier').selectOption('sophie');
    await page.getByTestId('apply-filters').click();
    await eventually(async () => assert.deepEqual(await receipts(), [sophieSale.receipt]));
    assert.equal(new URL(page.url()).searchParams.get('caissier'), 'sophie');
    await page.getByTestId('reset-filters').click();
    await eventually(async () => assert.equal((await receipts()).length, 2));
  });

  test("a sale's details show taxes per rate and tenders, and its receipt is reprinted on 80 mm paper", async () => {
    await page.locator(`tr[data-receipt="${receipt}"]`).getByTestId('open-sale').click();
    await eventually(async () => assert.equal(clean(await page.getByTestId('details-receipt').innerText()), receipt), { timeout: 30_000 });
    assert.match(new URL(page.url()).pathname, /^\/ventes\/.+/);
    assert.equal(clean(await page.getByTestId('details-tax-gst').innerText()), 'TPS (5 %) 1,50 $');
    assert.equal(clean(await page.getByTestId('details-tax-qst').innerText()), 'TVQ (9,975 %) 2,99 $');
    assert.equal(clean(await page.getByTestId('details-total').innerText()), '34,49 $');
    assert.equal(clean(await page.getByTestId('details-tender').innerText()), 'Espèces 34,50 $');
    assert.equal(clean(await page.getByTestId('details-rounding').innerText()), 'Arrondi 0,01 $');
    assert.equal(await page.getByTestId('details-lines').getByTestId('details-line').count(), 1);
    assert.equal(await page.getByTestId('history-payment').count(), 0, 'nothing owed: no payment to add');

    await page.evaluate(() => { window.printed = 0; window.print = () => { window.printed += 1; }; });
    await page.getByTestId('reprint').click();
    assert.equal(await page.evaluate(() => window.printed), 1);
    const printed = page.locator('.reprint [data-testid="receipt"]');
    assert.equal(clean(await printed.getByTestId('receipt-number').innerText()), receipt);
    assert.match(clean(await printed.innerText()), /Montréal/);
    await page.emulateMedia({ media: 'print' });
    const seen = await page.evaluate(() => ({
      receipt: getComputedStyle(document.querySelector('.reprint .receipt')).visibility,
      width: document.querySelector('.reprint .receipt').getBoundingClientRect().width,
      title: getComputedStyle(document.querySelector('.sale-details h1')).visibility,
    }));
    await page.emulateMedia({ media: 'screen' });
    assert.equal(seen.receipt, 'visible');
    assert.equal(seen.title, 'hidden', 'only the receipt prints');
    assert.ok(seen.width > 250 && seen.width < 290, `72 mm wide: ${seen.width}px`);
  });

  test('a note clicked twice is added once', async () => {
    await page.getByTestId('note-text').fill('Client rappellera pour la garantie');
    await page.getByTestId('save-note').dblclick();
    await eventually(async () => assert.equal(await page.getByTestId('sale-note').count(), 1));
    assert.match(clean(await page.getByTestId('sale-note').innerText()), /Client rappellera pour la garantie — Gérante Montréal/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
    const { body } = await server.api(`/api/v1/sales/${id}`);
    assert.equal(body.sale_notes.length, 1, JSON.stringify(body.sale_notes));
  });

  test('one unit returned at the register is refunded and listed on the original', async () => {
    const saleId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
    const line = page.locator('[data-testid="returnable-line"][data-line="0"]');
    assert.equal(clean(await line.getByTestId('returnable-left').innerText()), '2');
    await line.getByTestId('return-qty').fill('5');
    await line.getByTestId('return-qty').press('Tab');
    await eventually(async () => assert.equal(await line.getByTestId('return-qty').inputValue(), '2'), { timeout: 5_000 });
    await line.getByTestId('return-qty').fill('1');
    await line.getByTestId('return-qty').press('Tab');
    const link = page.getByTestId('return-at-register');
    await eventually(async () => assert.equal(await link.getAttribute('href'), `/?retour=${encodeURIComponent(saleId)}&lignes=0:1`));
    await link.click();

    await reg.ready();
    await eventually(async () => assert.equal((await reg.lineTexts()).length, 1), { timeout: 30_000 });
    await eventually(async () => assert.match(await reg.text('total'), /^-17,2\d \$$/));
    assert.ok(!new URL(page.url()).search.includes('retour'), 'a reload does not add it again');
    await reg.page.getByTestId('pay').click();
    await reg.page.getByTestId('refund-cash').click();
    const back = await eventually(async () => {
      const r = await reg.text('receipt-number');
      assert.notEqual(r, receipt);
      return r;
    });
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'), { timeout: 30_000 });

    await page.goto(`${server.url}/ventes/${encodeURIComponent(saleId)}`);
    await eventually(async () => assert.equal(await page.getByTestId('return-made').count(), 1), { timeout: 30_000 });
    assert.match(clean(await page.getByTestId('return-made').innerText()), new RegExp(back));
    assert.equal(clean(await page.locator('[data-testid="returnable-line"][data-line="0"]').getByTestId('returnable-left').innerText()), '1');
    assert.equal(await page.getByTestId('badge-returned').count(), 1);
  });

  test("a cashier gets the refusal, and Montréal's manager is refused Laval's sale", async () => {
    const made = await server.api('/api/v1/staff', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Caissière', email: 'caisse@e2e.example', role: 'cashier', outlets: ['montreal'], password: 'caisse-e2e-2026' }),
    });
    assert.ok(made.status < 300, JSON.stringify(made.body));
    const cashier = { email: 'caisse@e2e.example', password: 'caisse-e2e-2026' };
    const other = await browser.newContext();
    const p = await other.newPage();
    await signIn(p, server, cashier);
    await p.goto(`${server.url}/ventes`);
    await p.getByTestId('history-denied').waitFor({ timeout: 30_000 });
    assert.equal(await p.getByTestId('history-row').count(), 0);
    const { token } = await signInByApi(server, cashier);
    const denied = await server.api('/api/v1/sales/history', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(denied.status, 403);
    await other.close();

    const manager = await signInByApi(server, MANAGER);
    const refused = await server.api(`/api/v1/sales/${lavalSale.id}`, { headers: { authorization: `Bearer ${manager.token}` } });
    assert.equal(refused.status, 403);
    await page.goto(`${server.url}/ventes/${lavalSale.id}`);
    await page.getByTestId('details-error').waitFor({ timeout: 30_000 });
    const listed = await server.api('/api/v1/sales/history?limit=1000', { headers: { authorization: `Bearer ${manager.token}` } });
    assert.ok(listed.body.every((s) => s.outlet_id === 'montreal'), JSON.stringify(listed.body));
  });
});
