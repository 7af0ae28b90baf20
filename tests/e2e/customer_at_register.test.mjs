// A customer attached at the register (seed 003): automatic discount, sale on account within the credit
// limit, the loyalty alert and reward, purchase history and "Refaire cette vente".
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterPage, clean, eventually, useShop } from './support.mjs';

describe('a customer at the register', () => {
  let server, browser, products, context, reg;
  useShop((s) => ({ server, browser, products } = s));
  beforeEach(async () => {
    await context?.close();
    context = await browser.newContext();
    reg = await new RegisterPage(await context.newPage(), server).open('?register=montreal-1');
  });

  async function attach(name) {
    await reg.page.getByTestId('attach-customer').click();
    await reg.page.getByTestId('customer-search').fill(name);
    await reg.page.getByRole('button', { name }).click();
    await eventually(async () => assert.equal(await reg.text('customer-name'), name));
  }

  async function summary(id) {
    return (await server.api(`/api/v1/customers/${id}/summary`)).body;
  }

  test('attaching Marie applies her automatic 5 % discount and shows her credit', async () => {
    await reg.scan(products.shirt.barcode); // 29,99
    await attach('Marie Tremblay');
    // 29,99 − 1,50 = 28,49; TPS 1,42; TVQ 2,84 → 32,75
    await eventually(async () => assert.equal(await reg.text('total'), '32,75 $'));
    assert.match(await reg.text('discounts'), /-1,50 \$/);
    assert.equal(await reg.text('customer-available'), '500,00 $');
  });

  test('a sale on account lowers what is available, and the server agrees', async () => {
    const before = await summary('c-tremblay');
    await reg.scan(products.shoes.barcode);
    await attach('Marie Tremblay');
    await eventually(async () => assert.notEqual(await reg.text('total'), '103,47 $'));
    const total = await reg.text('total');
    await reg.page.getByTestId('pay').click();
    await reg.page.getByTestId('pay-account').click();
    await reg.page.getByTestId('sale-completed').waitFor();
    const cents = Number(total.replace(/[^0-9]/g, ''));
    await eventually(async () => {
      const after = await summary('c-tremblay');
      assert.equal(after.balance, before.balance - cents);
      assert.equal(after.available, before.available - cents);
    });
    // The register knows too, offline or not: attach her again.
    await attach('Marie Tremblay');
    assert.equal(await reg.text('customer-available'), `${((before.available - cents) / 100).toFixed(2).replace('.', ',')} $`);
  });

  test('a sale on account beyond the credit limit is refused with the amount still available', async () => {
    await reg.scan(products.hat.barcode);
    await attach('Jean Gagnon');
    await reg.page.getByTestId('pay').click();
    await reg.page.getByTestId('pay-account').click();
    assert.match(await reg.text('pay-error'), /Limite de crédit dépassée : disponible 0,00 \$/);
  });

  test('when points reach the threshold the register shows "Récompense due"; the reward is applied by hand and the points are deducted', async () => {
    // Two pairs of shoes earn 2 × 89 points: over the 100-point threshold.
    await reg.scan(products.shoes.barcode);
    await reg.scan(products.shoes.barcode);
    await attach('Jean Gagnon');
    await reg.pay('300');
    await eventually(async () => assert.ok((await summary('c-gagnon')).rewards_due.length > 0));
    const before = await summary('c-gagnon');

    await reg.scan(products.hat.barcode);
    await attach('Jean Gagnon');
    await reg.page.getByTestId('reward-due').waitFor();
    assert.match(await reg.text('reward-due'), /Récompense due/);
    await reg.page.getByTestId('reward-free-item').click();
    await eventually(async () => assert.equal(await reg.text('total'), '0,00 $'));
    await reg.page.getByTestId('pay').click();
    await reg.page.getByTestId('confirm-pay').click();
    await reg.page.getByTestId('sale-completed').waitFor();
    await eventually(async () => {
      const after = await summary('c-gagnon');
      assert.equal(after.loyalty.points, before.loyalty.points - 100 + products.hat.loyalty_points);
    });
  });

  test('the purchase history shows her last sale, and "Refaire cette vente" copies it into the cart', async () => {
    await reg.scan(products.hat.barcode);
    await reg.scan(products.shirt.barcode);
    await attach('Marie Tremblay');
    const receipt = await reg.pay('100');
    await attach('Marie Tremblay');
    const history = reg.page.getByTestId('customer-history');
    await history.locator('summary').click();
    assert.match(clean(await history.innerText()), new RegExp(receipt));
    await history.getByTestId('repeat-sale').first().click();
    await eventually(async () => assert.equal(await reg.lines().count(), 2));
    const lines = await reg.lineTexts();
    assert.match(lines[0], /Chapeau/);
    assert.match(lines[1], /Chemise/);
    assert.equal(await reg.text('customer-name'), 'Marie Tremblay', 'the customer stays attached');
  });

  test('returning a past sale from her history refunds exactly what it charged, automatic discount and taxes included', async () => {
    await reg.scan(products.hat.barcode);
    await reg.scan(products.shirt.barcode);
    await attach('Marie Tremblay');
    // 44,99 − 5 % (2,25) = 42,74; TPS 2,14; TVQ 4,26
    await eventually(async () => assert.equal(await reg.text('total'), '49,14 $'));
    const receipt = await reg.pay('60');

    await attach('Marie Tremblay');
    const history = reg.page.getByTestId('customer-history');
    await history.locator('summary').click();
    await history.getByTestId('return-sale').first().click();
    await eventually(async () => assert.equal(await reg.text('total'), '-49,14 $'));
    await reg.page.getByTestId('pay').click();
    await reg.page.getByTestId('refund-cash').click();
    const returnReceipt = await eventually(async () => {
      const r = await reg.text('receipt-number');
      assert.notEqual(r, receipt);
      return r;
    });
    await eventually(async () => {
      const { body } = await server.api('/api/v1/sales?limit=1000');
      const back = body.find((s) => s.receipt === returnReceipt);
      assert.ok(back, 'the server accepted the return and its refund figures');
      assert.equal(back.totals.total, -4914);
      assert.ok(back.lines.every((l) => l.return_of && l.return_of.receipt === receipt));
    });
    // Nothing is left to return from that sale.
    await attach('Marie Tremblay');
    await history.locator('summary').click();
    await eventually(async () => assert.match(clean(await history.innerText()), new RegExp(returnReceipt)));
  });

  test("a customer's e-mail corrected offline reaches the server once the register is back online", async () => {
    await attach('Jean Gagnon');
    await context.setOffline(true);
    await reg.page.getByTestId('edit-customer').click();
    const form = reg.page.getByTestId('edit-customer-form');
    assert.equal(await form.getByTestId('edit-customer-email').inputValue(), 'jean.gagnon@example.com');
    // Marie's e-mail is refused here already, in the cashier's language.
    await form.getByTestId('edit-customer-email').fill('Marie.Tremblay@example.com');
    await form.getByTestId('edit-customer-save').click();
    assert.equal(await reg.text('edit-customer-error'), 'Un client a déjà ce courriel');
    await form.getByTestId('edit-customer-email').fill('jean.g@exemple.ca');
    await form.getByTestId('edit-customer-save').dblclick();
    await eventually(async () => assert.equal(await reg.page.getByTestId('edit-customer-form').count(), 0));
    // Offline: the register has the new e-mail at once (its form shows it again); the server the old one.
    await reg.page.getByTestId('edit-customer').click();
    assert.equal(await reg.page.getByTestId('edit-customer-email').inputValue(), 'jean.g@exemple.ca');
    await reg.page.getByTestId('edit-customer').click();
    assert.equal((await summary('c-gagnon')).customer.email, 'jean.gagnon@example.com');
    await context.setOffline(false);
    await eventually(async () => assert.equal((await summary('c-gagnon')).customer.email, 'jean.g@exemple.ca'), { timeout: 30_000 });
    const { body: audit } = await server.api('/api/v1/audit?action=customer_changed');
    assert.equal(audit.filter((e) => e.subject === 'c-gagnon').length, 1, 'one edit however fast it was pressed');
  });
});
