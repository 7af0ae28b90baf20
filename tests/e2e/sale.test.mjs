// The sale beyond plain cash: discounts, returns (refunds), several tenders — checked by the server.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterPage, clean, eventually, useShop } from './support.mjs';

describe('discounts, returns and tenders', () => {
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

  async function discount(opener, field, value) {
    await opener.click();
    await reg.page.getByTestId(field).fill(value);
    await reg.page.getByTestId('discount-apply').click();
    await reg.page.getByTestId('discount-dialog').waitFor({ state: 'detached' });
  }

  test('a 10 % line discount and a 5 $ sale discount lower the taxes too, and the server agrees', async () => {
    await reg.scan(products.shirt.barcode); // 29,99
    await reg.scan(products.hat.barcode); // 15,00
    await discount(reg.lines().first().getByTestId('line-discount'), 'discount-percent', '10');
    await eventually(async () => assert.match(clean(await reg.lines().first().innerText()), /− 10 %/));
    await discount(reg.page.getByTestId('sale-discount'), 'discount-amount', '5');
    // 44,99 − 3,00 (10 % of 29,99 rounded) − 5,00 = 36,99; TPS 1,85; TVQ 3,69; total 42,53
    await eventually(async () => assert.equal(await reg.text('total'), '42,53 $'));
    assert.match(await reg.text('discounts'), /Remises -8,00 \$/);
    const receipt = await reg.pay('50');
    const sale = await serverSale(receipt);
    assert.equal(sale.totals.total, 4253);
    assert.equal(sale.totals.discount, 800);
  });

  test('a discount larger than the line is refused with a message', async () => {
    await reg.scan(products.hat.barcode);
    await reg.lines().first().getByTestId('line-discount').click();
    await reg.page.getByTestId('discount-amount').fill('20');
    await reg.page.getByTestId('discount-apply').click();
    assert.ok((await reg.text('discount-error')).length > 0);
  });

  test('return mode takes an item back as a negative line and refunds it in cash; stock comes back', async () => {
    const level = async () => (await server.api('/api/v1/stock?outlet=montreal')).body.find((l) => l.product_id === 'hat').level;
    const before = await level();
    await reg.page.getByTestId('return-mode').click();
    await reg.scan(products.hat.barcode);
    await eventually(async () => assert.equal(await reg.text('total'), '-17,25 $'));
    assert.match(await reg.lines().first().innerText(), /Chapeau\s+−\s*-1\s*\+/);
    await reg.page.getByTestId('pay').click();
    assert.equal(await reg.text('refund-due'), '17,25 $');
    await reg.page.getByTestId('refund-cash').click();
    await reg.page.getByTestId('sale-completed').waitFor();
    const receipt = await reg.text('receipt-number');
    const sale = await serverSale(receipt);
    assert.equal(sale.lines[0].qty, -1);
    assert.equal(sale.tenders[0].kind, 'cash');
    assert.equal(sale.tenders[0].amount, -1725);
    await eventually(async () => assert.equal(await level(), before + 1));
    assert.equal(await reg.page.getByTestId('return-mode').getAttribute('aria-pressed'), 'false', 'return mode ends with the sale');
  });

  test('an exchange: one item back, another out, the customer pays the difference', async () => {
    await reg.page.getByTestId('return-mode').click();
    await reg.scan(products.hat.barcode);
    await reg.page.getByTestId('return-mode').click();
    await reg.scan(products.shirt.barcode);
    // 29,99 − 15,00 = 14,99; TPS 0,75; TVQ 1,50 → 17,24 → cash 17,25
    await eventually(async () => assert.equal(await reg.text('total'), '17,24 $'));
    const receipt = await reg.pay('20');
    const sale = await serverSale(receipt);
    assert.deepEqual(sale.lines.map((l) => l.qty), [-1, 1]);
  });

  test('card then cash: the card pays an exact part and cash the rounded rest', async () => {
    await reg.scan(products.shoes.barcode); // 103,47
    await eventually(async () => assert.equal(await reg.text('total'), '103,47 $'));
    await reg.page.getByTestId('pay').click();
    await reg.page.getByTestId('tendered').fill('50');
    await reg.page.getByTestId('pay-card').click();
    assert.equal(await reg.text('remaining'), '53,47 $');
    assert.equal(await reg.text('cash-due'), '53,45 $');
    await reg.page.getByTestId('tendered').fill('60');
    assert.equal(await reg.text('change'), '6,55 $');
    await reg.page.getByTestId('confirm-pay').click();
    await reg.page.getByTestId('sale-completed').waitFor();
    const sale = await serverSale(await reg.text('receipt-number'));
    assert.deepEqual(sale.tenders.map((t) => [t.kind, t.amount]), [['card', 5000], ['cash', 5345]]);
  });

  test('a card for the whole amount completes the sale at once, with no rounding', async () => {
    await reg.scan(products.shirt.barcode); // 34,48
    await eventually(async () => assert.equal(await reg.text('total'), '34,48 $'));
    await reg.page.getByTestId('pay').click();
    await reg.page.getByTestId('pay-card').click();
    await reg.page.getByTestId('sale-completed').waitFor();
    const sale = await serverSale(await reg.text('receipt-number'));
    assert.deepEqual(sale.tenders.map((t) => [t.kind, t.amount]), [['card', 3448]]);
  });
});
