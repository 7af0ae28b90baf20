// The serial numbers page (seed 000) in a real browser against the real server: add a comma list,
// duplicates refused by name with nothing added, the trash icon, and "Vendu le" linking to the sale.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MANAGER, clean, eventually, introduce, oneUnitSale, push, signIn, useShop } from './support.mjs';

describe('the serial numbers page', () => {
  let server, browser, context, page, products;
  useShop((s) => ({ server, browser, products } = s));
  before(async () => {
    context = await browser.newContext();
    page = await context.newPage();
    // Deleting a serial number needs a manager's session.
    await signIn(page, server, MANAGER);
  });

  const rows = () => page.locator('tr.serial-row');
  const serialsShown = async () => (await page.locator('tr.serial-row td.serial').allInnerTexts()).map(clean);
  const notice = async () => clean(await page.getByTestId('serial-notice').innerText());

  async function addSerials(list) {
    await page.getByTestId('serial-product').selectOption({ label: 'Perceuse sans fil' });
    await page.getByTestId('serial-outlet').selectOption({ label: 'Montréal' });
    await page.getByTestId('serial-list').fill(list);
    await page.getByTestId('add-serials').click();
  }

  test('a comma list adds one row per serial, trimmed, empty entries ignored', async () => {
    await page.goto(`${server.url}/numeros-de-serie`);
    assert.equal(clean(await page.locator('h1').innerText()), 'Numéros de série');
    await eventually(async () => assert.ok(await page.locator('option', { hasText: 'Perceuse sans fil' }).count()), { timeout: 60_000 });
    await addSerials('SN-1, SN-2 , ,SN-3');
    await eventually(async () => assert.deepEqual(await serialsShown(), ['SN-1', 'SN-2', 'SN-3']));
    assert.equal(await notice(), '3 numéros de série ajoutés');
    assert.equal(await page.getByTestId('serial-list').inputValue(), '', 'the field is emptied');
    const first = (await rows().first().allInnerTexts()).map(clean)[0];
    assert.match(first, /Perceuse sans fil\s+SN-1\s+Montréal\s+En stock/);
  });

  test('a list with a serial already on file is refused naming it, and nothing is added', async () => {
    await addSerials('SN-3, SN-9');
    await eventually(async () => assert.match(await notice(), /en double.*SN-3/));
    assert.doesNotMatch(await notice(), /SN-9/);
    assert.deepEqual(await serialsShown(), ['SN-1', 'SN-2', 'SN-3']);
    const { body } = await server.api('/api/v1/serials?product_id=drill');
    assert.deepEqual(body.map((s) => s.serial), ['SN-1', 'SN-2', 'SN-3'], 'SN-9 was not added');
  });

  test('the trash icon deletes a serial', async () => {
    await page.getByRole('button', { name: 'Supprimer SN-2' }).click();
    await eventually(async () => assert.deepEqual(await serialsShown(), ['SN-1', 'SN-3']));
    const { body } = await server.api('/api/v1/serials?product_id=drill');
    assert.deepEqual(body.map((s) => s.serial), ['SN-1', 'SN-3']);
  });

  test('a synced sale of a serial shows "Vendu le" with the date, time and a link to the sale', async () => {
    const device = await introduce(server, 'e2e-serials');
    const sale = oneUnitSale(products.drill, { device, seq: 900, id: 'e2e-serial-sale-900', serial: 'SN-1' });
    const pushed = await push(server, device, [sale]);
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    assert.equal(pushed.body.results[0].status, 'stored');

    await page.reload();
    const link = page.locator('tr.serial-row[data-serial="SN-1"] [data-testid="sold-on"]');
    await link.waitFor({ timeout: 30_000 });
    assert.ok((await page.locator('th').allInnerTexts()).map(clean).includes('Vendu le'));
    assert.equal(await link.getAttribute('href'), `/ventes/${sale.id}`);
    assert.match(clean(await link.innerText()), /\d{4}-\d{2}-\d{2}.*\d{1,2}\s*h?\s*[:]?\s*\d{2}/, 'date and time');
    assert.equal(await page.locator('tr.serial-row[data-serial="SN-3"] [data-testid="sold-on"]').count(), 0);

    // The link opens the sale's own page in sales history, whatever its age.
    await link.click();
    await eventually(async () => assert.equal(new URL(page.url()).pathname, `/ventes/${sale.id}`));
    await eventually(async () => assert.equal(clean(await page.getByTestId('details-receipt').innerText()), sale.receipt), { timeout: 30_000 });
    assert.match(clean(await page.getByTestId('details-serials').innerText()), /SN-1/);
  });

  test('without the server the page says so', async () => {
    const other = await browser.newContext();
    const p = await other.newPage();
    await p.route('**/api/v1/serials*', (route) => route.abort('connectionrefused'));
    await p.goto(`${server.url}/numeros-de-serie`);
    await eventually(async () => assert.match(clean(await p.locator('.serials-page').innerText()), /Serveur injoignable/));
    await other.close();
  });
});
