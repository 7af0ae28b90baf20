// One action, one effect: every button that commits money acts once however it is pressed twice —
// a double click, two clicks in the same instant, Enter twice, a scan during the commit.
import { before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterPage, eventually, useShop } from './support.mjs';

/** Ways a cashier (or a bouncing button) presses twice. */
const PRESSES = {
  'a double click': (button) => button.dblclick(),
  'two clicks in the same instant': (button) => button.evaluate((el) => { el.click(); el.click(); }),
  'two quick clicks': (button) => button.click({ clickCount: 2, delay: 0 }),
};

describe('one action, one effect', () => {
  let server, browser, products, reg;
  useShop((s) => ({ server, browser, products } = s));
  before(async () => {
    const context = await browser.newContext();
    reg = await new RegisterPage(await context.newPage(), server).open('?register=montreal-1');
  });
  // Each test starts on an empty sell screen, whatever the last one left.
  beforeEach(async () => {
    await reg.page.reload();
    await reg.ready();
  });

  /** Every sale the server has: stored or held for review. */
  async function onServer() {
    const stored = (await server.api('/api/v1/sales?limit=1000')).body;
    const held = (await server.api('/api/v1/held')).body.map((h) => h.sale);
    return [...stored, ...held];
  }

  /** Runs `act` (which ends by pressing twice) and checks that exactly one new sale reaches the server. */
  async function exactlyOneSale(act) {
    const before = (await onServer()).length;
    await act();
    await reg.page.getByTestId('sale-completed').waitFor();
    const receipt = await reg.text('receipt-number');
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    // Time for a second commit or push, had there been one, to land.
    await new Promise((r) => setTimeout(r, 700));
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    const after = await onServer();
    assert.equal(after.length, before + 1, 'exactly one sale');
    assert.equal(after.filter((s) => s.receipt === receipt).length, 1);
    return after.find((s) => s.receipt === receipt);
  }

  async function attach(name) {
    await reg.page.getByTestId('attach-customer').click();
    await reg.page.getByTestId('customer-search').fill(name);
    await reg.page.getByRole('button', { name }).click();
    await eventually(async () => assert.equal(await reg.text('customer-name'), name));
  }

  async function returning(id, customer) {
    await reg.page.getByTestId('return-mode').click();
    await reg.scan(products[id].barcode);
    await eventually(async () => assert.equal(await reg.lines().count(), 1));
    if (customer) await attach(customer);
    await reg.page.getByTestId('pay').click();
  }

  for (const [how, press] of Object.entries(PRESSES)) {
    test(`cash (Payer comptant): ${how}`, async () => {
      await exactlyOneSale(async () => {
        await reg.scan(products.hat.barcode);
        await reg.page.getByTestId('pay').click();
        await reg.page.getByTestId('tendered').fill('20');
        await press(reg.page.getByTestId('confirm-pay'));
      });
    });

    test(`card: ${how}`, async () => {
      await exactlyOneSale(async () => {
        await reg.scan(products.hat.barcode);
        await reg.page.getByTestId('pay').click();
        await press(reg.page.getByTestId('pay-card'));
      });
    });

    test(`cash refund: ${how}`, async () => {
      const sale = await exactlyOneSale(async () => {
        await returning('hat');
        await press(reg.page.getByTestId('refund-cash'));
      });
      assert.equal(sale.lines[0].qty, -1);
    });

    test(`card refund: ${how}`, async () => {
      await exactlyOneSale(async () => {
        await returning('hat');
        await press(reg.page.getByTestId('refund-card'));
      });
    });

    test(`store-credit refund: ${how}`, async () => {
      await exactlyOneSale(async () => {
        await returning('shirt', 'Marie Tremblay');
        await press(reg.page.getByTestId('refund-store-credit'));
      });
    });
  }

  // Marie now holds store credit from the refunds above.
  for (const [how, press] of Object.entries(PRESSES)) {
    test(`store credit: ${how}`, async () => {
      await exactlyOneSale(async () => {
        await reg.scan(products.hat.barcode);
        await attach('Marie Tremblay');
        await reg.page.getByTestId('pay').click();
        await press(reg.page.getByTestId('pay-store-credit'));
      });
    });

    test(`on account: ${how}`, async () => {
      await exactlyOneSale(async () => {
        await reg.scan(products.hat.barcode);
        await attach('Marie Tremblay');
        await reg.page.getByTestId('pay').click();
        await press(reg.page.getByTestId('pay-account'));
      });
    });
  }

  test('a scan arriving during the commit never joins the sale being recorded', async () => {
    const before = new Set((await onServer()).map((s) => s.id));
    await reg.scan(products.hat.barcode);
    await reg.page.getByTestId('pay').click();
    await reg.page.getByTestId('tendered').fill('20');
    await Promise.all([PRESSES['two clicks in the same instant'](reg.page.getByTestId('confirm-pay')), reg.scan(products.shirt.barcode)]);
    const added = async () => (await onServer()).filter((s) => !before.has(s.id));
    await eventually(async () => assert.equal((await added()).length, 1));
    await new Promise((r) => setTimeout(r, 700));
    const [sale, ...more] = await added();
    assert.equal(more.length, 0, 'exactly one sale');
    assert.deepEqual(sale.lines.map((l) => [l.product_id, l.qty]), [['hat', 1]]);
    if (await reg.lines().count()) await reg.page.getByRole('button', { name: 'Vider' }).click();
  });

  test('Enter pressed twice in the cash field', async () => {
    await exactlyOneSale(async () => {
      await reg.scan(products.hat.barcode);
      await reg.page.getByTestId('pay').click();
      const field = reg.page.getByTestId('tendered');
      await field.fill('20');
      await field.evaluate((el) => {
        for (let i = 0; i < 2; i++) el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      });
    });
  });
});
