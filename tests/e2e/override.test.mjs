// A price other than the catalog's (*Prix modifié*): a cashier within 20 %, a manager's PIN beyond it,
// back to the catalog price — and the server stores each sale (never holds it) with who and why.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MANAGER, RegisterPage, clean, eventually, useShop } from './support.mjs';

describe('price override', () => {
  let server, browser, products, context, reg;
  useShop((s) => ({ server, browser, products } = s));
  beforeEach(async () => {
    await context?.close();
    context = await browser.newContext();
    reg = await new RegisterPage(await context.newPage(), server).open('?register=montreal-1');
  });

  async function serverSale(receipt) {
    return eventually(async () => {
      const { body } = await server.api('/api/v1/sales?limit=1000');
      const sale = body.find((s) => s.receipt === receipt);
      assert.ok(sale, `${receipt} reached the server`);
      return sale;
    });
  }
  async function notHeld(receipt) {
    const { body } = await server.api('/api/v1/held');
    assert.ok(!body.some((h) => h.sale.receipt === receipt), `${receipt} is not held`);
  }
  const dialog = () => reg.page.getByTestId('price-dialog');
  const line = () => reg.lines().first();

  test('a cashier lowers a price by 10 % with a reason: the line, the receipt and the server show it', async () => {
    await reg.scan(products.shirt.barcode); // 29,99
    await line().getByTestId('line-price').click();
    assert.equal(clean(await reg.text('price-catalog')), '29,99 $');
    await reg.page.getByTestId('price-input').fill('26,99');
    // No reason yet: refused with a message, nothing changed.
    await reg.page.getByTestId('price-apply').click();
    assert.match(await reg.text('price-error'), /raison/);
    await reg.page.getByTestId('price-reason-1').click(); // Prix affiché
    await reg.page.getByTestId('price-apply').click();
    await dialog().waitFor({ state: 'detached' });
    assert.equal(clean(await line().getByTestId('line-price').innerText()), '26,99 $');
    assert.equal(clean(await line().getByTestId('line-catalog-price').innerText()), '29,99 $');
    assert.equal(clean(await line().getByTestId('override-mark').innerText()), 'prix modifié');
    // 26,99 + TPS 1,35 + TVQ 2,69
    await eventually(async () => assert.equal(await reg.text('total'), '31,03 $'));

    const receipt = await reg.pay('50');
    const onReceipt = await reg.text('receipt-override');
    assert.match(onReceipt, /29,99 \$/, 'the catalog price');
    assert.match(onReceipt, /Prix affiché/, 'the reason');
    const sale = await serverSale(receipt);
    await notHeld(receipt);
    assert.equal(sale.lines[0].unit_price, 2699);
    assert.equal(sale.lines[0].price_override.by, 'julie');
    assert.equal(sale.lines[0].price_override.catalog_price, 2999);
    assert.equal(sale.lines[0].price_override.reason, 'Prix affiché');
    assert.equal(sale.totals.total, 3103);

    const { status, body: audit } = await server.api('/api/v1/audit?limit=200');
    assert.equal(status, 200);
    const entry = audit.find((e) => e.action === 'price_override' && e.subject === sale.id);
    assert.ok(entry, 'a price_override audit entry');
    assert.equal(entry.staff_id, 'julie');
    assert.match(entry.detail, /Prix affiché/);
  });

  test('50 % off needs a manager: the reason is explained, a wrong PIN is refused, the manager approves', async () => {
    await reg.scan(products.hat.barcode); // 15,00
    await line().getByTestId('line-price').click();
    await reg.page.getByTestId('price-input').fill('7,50');
    await reg.page.getByTestId('price-reason').fill('Client fidèle, geste commercial');
    await reg.page.getByTestId('price-apply').click();
    const why = await reg.text('approval-why');
    assert.match(why, /au plus 20 %/);
    assert.match(why, /15,00 \$ → 7,50 \$ \(−50 %\)/);
    // Nothing changed while the approval is asked.
    assert.equal(clean(await line().getByTestId('line-price').innerText()), '15,00 $');

    await reg.page.getByTestId(`approver-${MANAGER.id}`).click();
    for (const d of '1234') await reg.page.getByTestId(`pin-key-${d}`).click();
    await reg.page.getByTestId('pin-ok').click();
    // Checked by the server (argon2: slow on a loaded machine).
    await eventually(async () => assert.match(await reg.text('approval-message'), /NIP incorrect/), { timeout: 60_000 });
    assert.equal(await dialog().count(), 1, 'still asking');
    assert.equal(clean(await line().getByTestId('line-price').innerText()), '15,00 $');

    // The manager types their PIN on the keyboard, then Enter.
    await eventually(async () => assert.equal(await reg.page.getByTestId('pin-ok').isDisabled(), false, 'the pad takes keys again'));
    await reg.page.getByTestId('pin-input').focus();
    await reg.page.keyboard.type(MANAGER.pin, { delay: 120 });
    await reg.page.keyboard.press('Enter');
    await dialog().waitFor({ state: 'detached', timeout: 60_000 });
    assert.equal(clean(await line().getByTestId('line-price').innerText()), '7,50 $');
    assert.equal(clean(await line().getByTestId('line-catalog-price').innerText()), '15,00 $');

    const receipt = await reg.pay('20');
    assert.match(await reg.text('receipt-override'), /15,00 \$.*Client fidèle/);
    const sale = await serverSale(receipt);
    await notHeld(receipt);
    assert.equal(sale.lines[0].unit_price, 750);
    assert.equal(sale.lines[0].price_override.by, MANAGER.id);
    assert.equal(sale.lines[0].price_override.catalog_price, 1500);
    assert.equal(sale.cashier_id, 'julie');
    const { body: audit } = await server.api('/api/v1/audit?limit=200');
    const entry = audit.find((e) => e.action === 'price_override' && e.subject === sale.id);
    assert.equal(entry?.staff_id, MANAGER.id);
  });

  test('by keyboard, then "Remettre le prix du catalogue": the catalog price is back and the sale has no override', async () => {
    await reg.scan(products.shirt.barcode);
    // Tab to the price, Enter; type the price, Enter (to the reason), the reason, Enter.
    await line().getByTestId('line-price').focus();
    await reg.page.keyboard.press('Enter');
    await reg.page.getByTestId('price-input').waitFor();
    await eventually(async () => assert.equal(await reg.page.evaluate(() => document.activeElement?.dataset.testid), 'price-input'));
    await reg.page.keyboard.type('27,00', { delay: 120 });
    await reg.page.keyboard.press('Enter');
    await eventually(async () => assert.equal(await reg.page.evaluate(() => document.activeElement?.dataset.testid), 'price-reason'));
    await reg.page.keyboard.type('Dommage', { delay: 120 });
    await reg.page.keyboard.press('Enter');
    await dialog().waitFor({ state: 'detached' });
    assert.equal(clean(await line().getByTestId('line-price').innerText()), '27,00 $');

    await line().getByTestId('line-price').click();
    await reg.page.getByTestId('price-restore').click();
    await dialog().waitFor({ state: 'detached' });
    assert.equal(clean(await line().getByTestId('line-price').innerText()), '29,99 $');
    assert.equal(await line().getByTestId('line-catalog-price').count(), 0);
    assert.equal(await line().getByTestId('override-mark').count(), 0);
    await eventually(async () => assert.equal(await reg.text('total'), '34,48 $'));

    const receipt = await reg.pay('40');
    assert.equal(await reg.page.getByTestId('receipt-override').count(), 0);
    const sale = await serverSale(receipt);
    await notHeld(receipt);
    assert.equal(sale.lines[0].unit_price, 2999);
    assert.ok(!sale.lines[0].price_override, 'no override');
  });
});
