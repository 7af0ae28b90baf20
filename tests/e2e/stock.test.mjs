// Stock at the register: low-stock quick keys that count down live, and serial numbers asked at Payer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterPage, clean, eventually, useShop } from './support.mjs';

describe('stock at the register', () => {
  let server, browser, products;
  useShop((s) => ({ server, browser, products } = s));

  test('a quick key at or below its low-stock threshold shows the count in red, and it decrements with each sale', async () => {
    const { body: levels } = await server.api('/api/v1/stock?outlet=montreal');
    const low = levels
      .map((l) => ({ ...l, product: products[l.product_id] }))
      .find((l) => l.product?.quick_key && l.product.low_stock_threshold != null && l.level <= l.product.low_stock_threshold && l.level > 1);
    assert.ok(low, 'the demo shop has a low-stock quick key at Montréal');
    const above = levels
      .map((l) => ({ ...l, product: products[l.product_id] }))
      .find((l) => l.product?.quick_key && l.product.low_stock_threshold != null && l.level > l.product.low_stock_threshold);

    const context = await browser.newContext();
    const reg = await new RegisterPage(await context.newPage(), server).open('?register=montreal-1');
    const key = reg.page.locator(`.quick-key[data-product="${low.product_id}"]`);
    await eventually(async () => assert.equal(clean(await key.locator('.qk-count').innerText()), String(low.level)));
    assert.match(await key.getAttribute('class'), /\blow\b/);
    if (above) {
      const normal = reg.page.locator(`.quick-key[data-product="${above.product_id}"]`);
      assert.doesNotMatch(await normal.getAttribute('class'), /\blow\b/);
      assert.equal(await normal.locator('.qk-count').count(), 0);
    }

    await key.click();
    await reg.pay('100');
    await eventually(async () => assert.equal(clean(await key.locator('.qk-count').innerText()), String(low.level - 1)));

    // Offline too: the count follows the register's own sales.
    await server.stop();
    await key.click();
    await reg.pay('100');
    await eventually(async () => assert.equal(clean(await key.locator('.qk-count').innerText()), String(low.level - 2)));
    await server.start();
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'), { timeout: 20_000 });
    const { body: after } = await server.api('/api/v1/stock?outlet=montreal');
    assert.equal(after.find((l) => l.product_id === low.product_id).level, low.level - 2);
    await context.close();
  });

  test('Payer asks a serial for each unit of a serial-tracked product; unknown serials can be added, sold ones are refused', async () => {
    const context = await browser.newContext();
    const reg = await new RegisterPage(await context.newPage(), server).open('?register=montreal-1');
    await reg.scan(products.drill.barcode);
    await reg.scan(products.drill.barcode);
    await reg.scan(products.hat.barcode);
    await reg.page.getByTestId('pay').click();
    const dialog = reg.page.getByTestId('serial-dialog');
    await dialog.waitFor();
    assert.match(clean(await reg.page.getByTestId('serial-unit').innerText()), /Perceuse sans fil — unité 1 de 2/);

    // Not on file: the cashier chooses to re-enter, then to add it as new.
    await reg.page.getByTestId('serial-input').fill('PSF-0001');
    await reg.page.getByTestId('serial-continue').click();
    assert.match(await reg.text('serial-error'), /n'est pas enregistré/);
    await reg.page.getByTestId('serial-reenter').click();
    assert.equal(await reg.page.getByTestId('serial-input').inputValue(), '');
    await reg.page.getByTestId('serial-input').fill('PSF-0001');
    await reg.page.getByTestId('serial-continue').click();
    await reg.page.getByTestId('serial-add-new').click();
    assert.match(clean(await reg.page.getByTestId('serial-unit').innerText()), /unité 2 de 2/);

    // The same serial twice in one sale is refused; a scanned serial goes into the dialog.
    await reg.page.getByTestId('serial-input').fill('PSF-0001');
    await reg.page.getByTestId('serial-continue').click();
    assert.match(await reg.text('serial-error'), /déjà saisi/);
    await reg.page.getByTestId('serial-input').fill('');
    await reg.scan('PSF-0002');
    await reg.page.getByTestId('serial-add-new').click();

    await reg.page.getByTestId('pay-dialog').waitFor();
    await reg.page.getByTestId('tendered').fill('400');
    await reg.page.getByTestId('confirm-pay').click();
    const receipt = await reg.page.getByTestId('receipt-number').innerText();

    await eventually(async () => {
      const { body } = await server.api('/api/v1/sales');
      const sale = body.find((s) => s.receipt === receipt);
      assert.ok(sale, 'the sale reached the server');
      assert.deepEqual(sale.lines.find((l) => l.product_id === 'drill').serials, ['PSF-0001', 'PSF-0002']);
    });

    // Selling PSF-0001 again is refused, naming when it was sold.
    await reg.scan(products.drill.barcode);
    await reg.page.getByTestId('pay').click();
    await reg.page.getByTestId('serial-input').fill('PSF-0001');
    await reg.page.getByTestId('serial-continue').click();
    assert.match(await reg.text('serial-error'), /Refusé : ce numéro de série a déjà été vendu le \d{4}-\d{2}-\d{2}/);
    await context.close();
  });

  test('a return of a serial-tracked product must name a unit that was sold, which goes back in stock', async () => {
    const context = await browser.newContext();
    const reg = await new RegisterPage(await context.newPage(), server).open('?register=montreal-1');
    await reg.scan(products.drill.barcode);
    await reg.page.getByTestId('pay').click();
    await reg.page.getByTestId('serial-input').fill('PSF-RET-1');
    await reg.page.getByTestId('serial-continue').click();
    await reg.page.getByTestId('serial-add-new').click();
    await reg.page.getByTestId('tendered').fill('200');
    await reg.page.getByTestId('confirm-pay').click();
    await reg.page.getByTestId('sale-completed').waitFor();

    await reg.page.getByTestId('return-mode').click();
    await reg.scan(products.drill.barcode);
    await reg.page.getByTestId('pay').click();
    assert.match(clean(await reg.page.getByTestId('serial-unit').innerText()), /Retour : Perceuse sans fil — unité 1 de 1/);
    await reg.page.getByTestId('serial-input').fill('PSF-NEVER-SOLD');
    await reg.page.getByTestId('serial-continue').click();
    assert.match(await reg.text('serial-error'), /n'a pas été vendu/);
    await reg.page.getByTestId('serial-input').fill('PSF-RET-1');
    await reg.page.getByTestId('serial-continue').click();
    await reg.page.getByTestId('refund-cash').click();
    await reg.page.getByTestId('sale-completed').waitFor();

    await eventually(async () => {
      const { body } = await server.api('/api/v1/serials?product_id=drill');
      const unit = body.find((s) => s.serial === 'PSF-RET-1');
      assert.ok(unit && unit.sold_on === null, 'the unit is back in stock');
      assert.ok(unit.returned_on, 'and its return is recorded');
    });
    await context.close();
  });
});
