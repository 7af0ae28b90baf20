// The customers page (seed 003) in a real browser against the real server: balances, credit limit and
// what is still available, loyalty with the "Récompense due" badge, a payment on account (cash rounded
// in the drawer, credited exactly), the month-end statement that reconciles, and a customer added and
// edited with her account terms that a register then attaches.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MANAGER, RegisterPage, clean, eventually, introduce, oneUnitSale, push, signIn, useShop } from './support.mjs';

describe('the customers page', () => {
  let server, browser, context, page, products;
  useShop((s) => ({ server, browser, products } = s));
  before(async () => {
    // Statements are by Montréal month: keep the browser's month the same as the server's.
    context = await browser.newContext({ timezoneId: 'America/Montreal' });
    page = await context.newPage();
    // The back office needs a signed-in manager (or an enrolled device).
    await signIn(page, server, MANAGER);
    // Jean Gagnon: shoes by card (89 points), a hat on account (15 points, 17,25 $ owed).
    const device = await introduce(server, 'e2e-customers');
    const pushed = await push(server, device, [
      oneUnitSale(products.shoes, { device, seq: 1, id: 'e2e-customer-sale-1', kind: 'card', customer: 'c-gagnon' }),
      oneUnitSale(products.hat, { device, seq: 2, id: 'e2e-customer-sale-2', kind: 'account', customer: 'c-gagnon' }),
    ]);
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
  });

  const row = (id) => page.locator(`tr[data-customer="${id}"]`);
  const cell = async (id, testid) => clean(await row(id).getByTestId(testid).innerText());

  test('every customer is listed with balance, credit limit, credit available, points and visits', async () => {
    await page.goto(`${server.url}/clients`);
    assert.equal(clean(await page.locator('h1').innerText()), 'Comptes clients');
    await eventually(async () => assert.equal(await page.locator('tr[data-customer]').count(), 2), { timeout: 60_000 });
    assert.equal(await cell('c-gagnon', 'balance'), 'Solde dû 17,25 $');
    assert.equal(await cell('c-gagnon', 'credit-limit'), 'Aucune');
    assert.equal(await cell('c-gagnon', 'points'), '104');
    assert.equal(await cell('c-gagnon', 'visits'), '2');
    assert.equal(clean(await row('c-gagnon').getByTestId('reward-due').innerText()), 'Récompense due');
    assert.equal(await cell('c-tremblay', 'balance'), '0,00 $');
    assert.equal(await cell('c-tremblay', 'credit-limit'), '500,00 $');
    assert.equal(await cell('c-tremblay', 'available'), '500,00 $');
    assert.equal(await row('c-tremblay').getByTestId('reward-due').count(), 0);
  });

  test('a cash payment on account is rounded in the drawer and credited exactly', async () => {
    await row('c-tremblay').getByTestId('open-account').click();
    const panel = page.getByTestId('account-panel');
    await panel.waitFor();
    assert.match(clean(await panel.innerText()), /Remise automatique 5 %/);

    await page.getByTestId('payment-amount').fill('abc');
    await page.getByTestId('record-payment').click();
    await eventually(async () => assert.match(clean(await page.getByTestId('payment-message').innerText()), /Montant invalide/));

    await page.getByTestId('payment-amount').fill('100,03');
    await page.getByTestId('pay-cash').click();
    assert.equal(clean(await page.getByTestId('cash-hint').innerText()), 'À recevoir en espèces : 100,05 $ (Arrondi : +0,02 $)');
    await page.getByTestId('record-payment').click();
    await eventually(async () =>
      assert.equal(clean(await page.getByTestId('payment-message').innerText()), 'Paiement enregistré : 100,03 $ — Avoir 100,03 $'));
    await eventually(async () => assert.equal(await cell('c-tremblay', 'available'), '600,03 $'));
    assert.equal(await cell('c-tremblay', 'balance'), 'Avoir 100,03 $');

    const { body } = await server.api('/api/v1/customers/c-tremblay/summary');
    assert.equal(body.balance, 10_003);
  });

  test("the month's statement lists the payment between the opening and closing balances", async () => {
    const statement = page.getByTestId('statement');
    await eventually(async () => assert.equal(await statement.getByTestId('statement-line').count(), 1));
    const line = clean(await statement.getByTestId('statement-line').innerText());
    assert.match(line, /Paiement\s+PAI-[0-9A-F]{8}\s+100,03 \$\s+100,03 \$/);
    assert.equal(clean(await statement.getByTestId('opening-balance').innerText()), '0,00 $');
    assert.equal(clean(await statement.getByTestId('statement-payments').innerText()), '100,03 $');
    assert.equal(clean(await statement.getByTestId('closing-balance').innerText()), '100,03 $');

    // Exported as a CSV file: the same opening, payment and closing balance.
    const [download] = await Promise.all([page.waitForEvent('download'), statement.getByTestId('statement-csv').click()]);
    assert.match(download.suggestedFilename(), /^releve-.+-\d{4}-\d{2}\.csv$/);
    const rows = (await (await download.createReadStream()).toArray()).join('').trim().split('\n');
    assert.equal(rows[0], 'date,kind,reference,amount,balance');
    assert.deepEqual(rows.slice(1).map((r) => r.split(',')[1]), ['opening_balance', 'payment', 'closing_balance']);
    assert.match(rows[2], /,payment,PAI-[0-9A-F]{8},100\.03,100\.03$/);

    // The month before holds nothing yet.
    const month = await page.getByTestId('statement-month').inputValue();
    const [y, m] = month.split('-').map(Number);
    const previous = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
    await page.getByTestId('statement-month').fill(previous);
    await page.getByTestId('statement-month').dispatchEvent('change');
    await eventually(async () => assert.equal(await statement.getByTestId('statement-line').count(), 0));
    assert.equal(clean(await statement.getByTestId('closing-balance').innerText()), '0,00 $');
  });

  test('a manager adds a customer with account terms, once, then edits her limit; a register attaches her with her discount', async () => {
    let posts = 0;
    page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/customers')) posts++; });
    await page.getByTestId('new-customer').click();
    const form = page.getByTestId('customer-form');
    await form.getByTestId('customer-name').fill('Sophie Côté');
    await form.getByTestId('customer-email').fill('MARIE.TREMBLAY@example.com');
    await form.getByTestId('customer-credit_limit').fill('250');
    await form.getByTestId('customer-automatic_discount_bp').fill('deux');
    await form.getByTestId('save-customer').click();
    // Checked by the shared rule before sending: nothing sent for an unreadable percentage.
    assert.match(clean(await form.getByTestId('error-automatic_discount_bp').innerText()), /Un pourcentage de 0 à 100/);
    assert.equal(posts, 0);
    await form.getByTestId('customer-automatic_discount_bp').fill('10');
    await form.getByTestId('save-customer').click();
    // Marie's e-mail in other case: the server refuses it beside the field, nothing written.
    await eventually(async () => assert.equal(clean(await form.getByTestId('error-email').innerText()), "Ce courriel est déjà celui d'un autre client."));
    await form.getByTestId('customer-email').fill('sophie.cote@exemple.ca');
    await form.getByTestId('save-customer').dblclick();
    await eventually(async () => assert.equal(clean(await page.getByTestId('customer-saved').innerText()), 'Client ajouté.'));
    assert.equal(posts, 2, 'the refused one and one more, however fast the button was pressed');
    const { body: all } = await server.api('/api/v1/customers/summaries');
    const sophie = all.filter((c) => c.customer.name === 'Sophie Côté');
    assert.equal(sophie.length, 1);
    const id = sophie[0].customer.id;
    assert.deepEqual([sophie[0].account.credit_limit, sophie[0].account.automatic_discount_bp], [25_000, 1_000]);
    await eventually(async () => assert.equal(await cell(id, 'credit-limit'), '250,00 $'));

    // Edited from her account panel: the form shows her terms as she has them.
    await page.getByTestId('account-panel').getByTestId('edit-customer').click();
    assert.equal(await form.getByTestId('customer-credit_limit').inputValue(), '250,00');
    assert.equal(await form.getByTestId('customer-automatic_discount_bp').inputValue(), '10');
    await form.getByTestId('customer-credit_limit').fill('300,00');
    await form.getByTestId('save-customer').click();
    await eventually(async () => assert.equal(clean(await page.getByTestId('customer-saved').innerText()), 'Client enregistré.'));
    await eventually(async () => assert.equal(await cell(id, 'credit-limit'), '300,00 $'));

    // A register opened now knows her: attaching her takes 10 % off and shows 300,00 $ available.
    const regContext = await browser.newContext();
    const reg = await new RegisterPage(await regContext.newPage(), server).open('?register=montreal-1');
    await reg.scan(products.shirt.barcode); // 29,99
    await reg.page.getByTestId('attach-customer').click();
    await reg.page.getByTestId('customer-search').fill('Sophie');
    await reg.page.getByRole('button', { name: 'Sophie Côté' }).click();
    await eventually(async () => assert.match(await reg.text('discounts'), /-3,00 \$/));
    assert.equal(await reg.text('customer-available'), '300,00 $');
    await regContext.close();
  });
});
