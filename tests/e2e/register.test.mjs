// The sell screen in a real browser against the real server: scan, totals, pay, language.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MANAGER, RegisterPage, eventually, signIn, useShop } from './support.mjs';

describe('the register', () => {
  let server, browser, products, context, reg;
  useShop((s) => ({ server, browser, products } = s));
  beforeEach(async () => {
    await context?.close();
    context = await browser.newContext();
    reg = await new RegisterPage(await context.newPage(), server).open();
  });

  test('opens in French on a demo register with the catalog loaded', async () => {
    assert.match(await reg.text('register'), /Caisse 1 — Montréal/);
    assert.equal(await reg.page.getByTestId('pay').innerText(), 'Payer');
    assert.equal(await reg.page.locator('html').getAttribute('lang'), 'fr-CA');
  });

  test('a scan adds the product, scanning it again increments the line, an unknown code adds nothing', async () => {
    await reg.scan(products.shirt.barcode);
    await reg.scan(products.hat.barcode);
    await reg.scan(products.shirt.barcode);
    await eventually(async () => assert.equal(await reg.lines().count(), 2));
    const [shirt, hat] = await reg.lineTexts();
    assert.match(shirt, /Chemise\s+−\s*2\s*\+\s+29,99 \$\s+59,98 \$/);
    assert.match(hat, /Chapeau\s+−\s*1\s*\+\s+15,00 \$\s+15,00 \$/);

    await reg.scan('0000000000000');
    await eventually(async () => assert.match(await reg.text('notice'), /Code inconnu : 0000000000000/));
    assert.equal(await reg.lines().count(), 2);
  });

  test('totals show subtotal, TPS, TVQ and total in fr-CA format', async () => {
    await reg.scan(products.shirt.barcode);
    await reg.scan(products.hat.barcode);
    await eventually(async () => assert.equal(await reg.text('total'), '51,73 $'));
    assert.match(await reg.text('subtotal'), /Sous-total 44,99 \$/);
    assert.match(await reg.text('gst'), /TPS \(5 %\) 2,25 \$/);
    assert.match(await reg.text('qst'), /TVQ \(9,975 %\) 4,49 \$/);
  });

  test('a scan lands in the cart wherever focus is, and is never typed into an input', async () => {
    const code = reg.page.getByTestId('code-input');
    await code.click();
    await reg.page.keyboard.type('ab', { delay: 120 }); // a person typing slowly
    await reg.scan(products.shoes.barcode);
    await eventually(async () => assert.equal(await reg.lines().count(), 1));
    assert.equal(await code.inputValue(), 'ab', 'the burst did not reach the input');

    await reg.page.getByTestId('pay').click();
    const tendered = reg.page.getByTestId('tendered');
    await tendered.fill('12');
    await reg.scan(products.hat.barcode); // ignored while paying, and kept out of the amount
    assert.equal(await tendered.inputValue(), '12');
  });

  test('a code typed by hand and Enter adds the product too', async () => {
    const code = reg.page.getByTestId('code-input');
    await code.click();
    await reg.page.keyboard.type(products.hat.sku.toLowerCase(), { delay: 80 });
    await reg.page.keyboard.press('Enter');
    await eventually(async () => assert.equal(await reg.lines().count(), 1));
    assert.equal(await code.inputValue(), '');
  });

  test('paying cash rounds to 0,05 $, gives change, completes the sale with a receipt number and clears the cart', async () => {
    const before = await server.api('/api/v1/stock?outlet=montreal');
    const shirtBefore = before.body.find((s) => s.product_id === 'shirt').level;
    await reg.scan(products.shirt.barcode);
    await reg.scan(products.hat.barcode);
    await reg.page.getByTestId('pay').click();
    assert.equal(await reg.text('cash-due'), '51,75 $');
    await reg.page.getByTestId('tendered').fill('50');
    await reg.page.getByTestId('confirm-pay').click();
    assert.match(await reg.text('pay-error'), /Montant insuffisant.*51,75 \$/);
    await reg.page.getByTestId('tendered').fill('60');
    assert.equal(await reg.text('change'), '8,25 $');
    await reg.page.getByTestId('confirm-pay').click();
    await reg.page.getByTestId('sale-completed').waitFor();
    const receipt = await reg.text('receipt-number');
    assert.match(receipt, /^MTL1-\d+-\d{6}$/);
    assert.equal(await reg.text('receipt-change'), '8,25 $');
    // The outlet's tax registration numbers, and each tax with its rate, as the receipt prints them.
    assert.equal(await reg.text('receipt-gst-number'), 'No de TPS : 123456789 RT0001');
    assert.equal(await reg.text('receipt-qst-number'), 'No de TVQ : 1234567890 TQ0001');
    assert.match(await reg.text('receipt-gst'), /TPS \(5 %\)\s*2,25 \$/);
    assert.match(await reg.text('receipt-qst'), /TVQ \(9,975 %\)\s*4,49 \$/);
    assert.equal(await reg.lines().count(), 0, 'the cart is cleared');

    await eventually(async () => {
      const { body } = await server.api('/api/v1/sales');
      const mine = body.filter((s) => s.receipt === receipt);
      assert.equal(mine.length, 1);
      assert.equal(mine[0].totals.total, 5173);
    });
    const afterStock = await server.api('/api/v1/stock?outlet=montreal');
    assert.equal(afterStock.body.find((s) => s.product_id === 'shirt').level, shirtBefore - 1);
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
  });

  test('the FR/EN switch changes the screen and persists across a reload', async () => {
    await reg.scan(products.shirt.barcode);
    await reg.page.getByTestId('lang-switch').click();
    assert.equal(await reg.page.getByTestId('pay').innerText(), 'Pay');
    assert.equal(await reg.text('total'), '$34.48');
    await reg.page.reload();
    await reg.ready();
    assert.equal(await reg.page.getByTestId('pay').innerText(), 'Pay');
    assert.equal(await reg.page.locator('html').getAttribute('lang'), 'en-CA');
    await reg.page.getByTestId('lang-switch').click();
    assert.equal(await reg.page.getByTestId('pay').innerText(), 'Payer');
  });

  test('the sales page lists the sales the server holds', async () => {
    await reg.scan(products.shoes.barcode);
    const receipt = await reg.pay('200');
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    // Sales history is the back office's, for managers: one signs in at this register's browser.
    await signIn(reg.page, server, MANAGER);
    await reg.page.goto(`${server.url}/ventes`);
    await reg.page.locator(`tr[data-receipt="${receipt}"]`).waitFor();
    assert.match(await reg.page.locator(`tr[data-receipt="${receipt}"]`).innerText(), /103,47/);
  });
});
