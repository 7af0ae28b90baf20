// Every change goes up the same way: offline at the register, a new customer, a payment on account and
// damaged stock wait in the device's outbox with the sales, and reach the server once each when it is back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterPage, counts, eventually, serverReceipts, useShop } from './support.mjs';

// After failures the register retries with a growing, jittered delay (at most 30 s).
const BACK = { timeout: 45_000 };

describe('operations at the register', () => {
  let server, browser, products;
  useShop((s) => ({ server, browser, products } = s));

  async function level(outlet, product) {
    const { body } = await server.api(`/api/v1/stock?outlet=${outlet}`);
    return body.find((l) => l.product_id === product)?.level;
  }

  test('offline, a new customer, a payment on account and damage are recorded; back online each arrives once', async () => {
    const context = await browser.newContext();
    const reg = await new RegisterPage(await context.newPage(), server).open('?register=montreal-1');
    const page = reg.page;
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    const hat = await level('montreal', 'hat');

    await server.stop();
    // Nouveau client: created here, attached at once. A double press makes one customer.
    await page.getByTestId('attach-customer').click();
    await page.getByTestId('new-customer').click();
    await page.getByTestId('new-customer-name').fill('Léa Roy');
    await page.getByTestId('new-customer-email').fill('lea.roy@example.com');
    await page.getByTestId('new-customer-create').dblclick();
    await eventually(async () => assert.equal(await reg.text('customer-name'), 'Léa Roy'));

    // Paiement au compte for her: waits to be sent.
    await page.getByTestId('account-payment').locator('summary').click();
    await page.getByTestId('account-payment-amount').fill('25');
    await page.getByTestId('account-payment-card').click();
    await page.getByTestId('account-payment-record').dblclick();
    await eventually(async () => assert.equal(await reg.text('account-payment-state'), "Paiement en attente d'envoi : 25,00 $"));
    // The views are the pulled state plus our outbox: the unsent payment is already in her balance.
    await eventually(async () => assert.match(await reg.text('customer-balance'), /25,00/));

    // A sale to her, then one hat written off as damaged (scanned into the Stock dialog).
    await reg.scan(products.hat.barcode);
    const receipt = await reg.pay('20');
    await page.getByTestId('open-stock').click();
    await reg.scan(products.hat.barcode);
    await eventually(async () => assert.match(await reg.text('stock-product-name'), /Chapeau/));
    await page.getByTestId('stock-damage').click();
    await page.getByTestId('stock-qty').fill('1');
    await page.getByTestId('stock-confirm').dblclick();
    await page.getByTestId('stock-done').waitFor();
    await page.getByTestId('stock-close').click();
    await eventually(async () => assert.equal(await reg.text('pending-ops'), "3 opérations en attente d'envoi"));
    assert.match(await reg.status(), /hors ligne — 1 vente en attente/);

    await server.start();
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'), BACK);
    await eventually(async () => assert.equal(await page.getByTestId('pending-ops').count(), 0));

    // Once each: one Léa Roy, paid 25,00 $ once, the sale counted for her, the hat sold once and damaged once.
    const { body: customers } = await server.api('/api/v1/customers');
    const lea = customers.filter((c) => c.name === 'Léa Roy');
    assert.equal(lea.length, 1);
    const { body: summary } = await server.api(`/api/v1/customers/${lea[0].id}/summary`);
    assert.equal(summary.balance, 2500);
    assert.equal(summary.loyalty.visits, 1);
    assert.equal(summary.history[0].receipt, receipt);
    assert.equal(counts(await serverReceipts(server)).get(receipt), 1);
    assert.equal(await level('montreal', 'hat'), hat - 2);
    const { body: held } = await server.api('/api/v1/held/ops');
    assert.deepEqual(held, []);
    assert.equal(await page.getByTestId('held-ops').count(), 0);
    await context.close();
  });
});
