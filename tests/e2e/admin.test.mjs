// Administration (issue 12 item 7) in a real browser against the real server: an admin changes an
// outlet's time zone (an unknown zone refused by name) and the allocation order (touch and keyboard),
// adds a register, makes an enrolment code that a fresh tablet enrols with, revokes that tablet (its
// revoked banner shows), creates a cashier, and is refused demoting the last admin; a manager sees only
// their outlet and is told only an admin may change it; a cashier gets the refusal page; the journal
// lists these actions and filters them.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, MANAGER, clean, eventually, signIn, signInByApi, useShop } from './support.mjs';

describe('administration', () => {
  let server, browser, page;
  useShop((s) => ({ server, browser } = s));
  before(async () => {
    page = await (await browser.newContext()).newPage();
    await signIn(page, server, ADMIN);
  });

  const outlet = (id) => page.locator(`[data-testid="outlet"][data-id="${id}"]`);
  const order = async () => page.getByTestId('outlet').evaluateAll((els) => els.map((e) => e.dataset.id));

  test("an admin changes an outlet's time zone and the allocation order, and adds a register", async () => {
    await page.goto(`${server.url}/points-de-vente`);
    assert.equal(clean(await page.locator('h1').innerText()), 'Points de vente');
    await eventually(async () => assert.deepEqual(await order(), ['montreal', 'sherbrooke', 'laval']), { timeout: 60_000 });

    const laval = outlet('laval');
    await laval.getByTestId('outlet-time-zone').fill('Mars/Olympus');
    await laval.getByTestId('outlet-time-zone-save').click();
    await eventually(async () => assert.equal(clean(await laval.getByTestId('outlet-notice').innerText()), 'Refusé : Fuseau horaire inconnu de la base IANA.'));
    await laval.getByTestId('outlet-time-zone').fill('America/Halifax');
    await laval.getByTestId('outlet-time-zone-save').click();
    await eventually(async () => assert.equal(clean(await laval.getByTestId('outlet-notice').innerText()), 'Enregistré.'));
    const { body: outlets } = await server.api('/api/v1/outlets');
    assert.equal(outlets.find((o) => o.id === 'laval').time_zone, 'America/Halifax');

    // Tax registration numbers for Laval's receipts: a TVQ number in the TPS field is refused in
    // words; typed loosely, they are saved as receipts print them, and an empty TVQ means not registered.
    await laval.getByTestId('outlet-gst-number').fill('1234567890 TQ0001');
    await laval.getByTestId('outlet-tax-numbers-save').click();
    await eventually(async () => assert.equal(
      clean(await laval.getByTestId('outlet-notice').innerText()),
      'Refusé : Un no de TPS a 9 chiffres, RT et 4 chiffres (123456789 RT0001).',
    ));
    await laval.getByTestId('outlet-gst-number').fill('987-654-321 rt 0002');
    await laval.getByTestId('outlet-qst-number').fill('');
    await laval.getByTestId('outlet-tax-numbers-save').click();
    await eventually(async () => assert.equal(await laval.getByTestId('outlet-gst-number').inputValue(), '987654321 RT0002'));
    assert.equal(clean(await laval.getByTestId('outlet-notice').innerText()), 'Enregistré.');
    const { body: setupNumbers } = await server.api('/api/v1/setup');
    const lavalSetup = setupNumbers.outlets.find((o) => o.id === 'laval');
    assert.deepEqual([lavalSetup.gst_number, lavalSetup.qst_number], ['987654321 RT0002', '']);

    // Laval up by a touch, then up again from the keyboard: first in allocation order.
    await laval.getByTestId('outlet-up').click();
    await eventually(async () => assert.deepEqual(await order(), ['montreal', 'laval', 'sherbrooke']));
    await outlet('laval').getByTestId('outlet-up').focus();
    await page.keyboard.press('Enter');
    await eventually(async () => assert.deepEqual(await order(), ['laval', 'montreal', 'sherbrooke']));
    assert.equal(clean(await outlet('laval').getByTestId('outlet-priority').innerText()), '1');
    assert.equal(await outlet('laval').getByTestId('outlet-up').isDisabled(), true, 'the first cannot go up');
    const { body: setup } = await server.api('/api/v1/setup');
    assert.deepEqual(setup.outlets.map((o) => o.id), ['laval', 'montreal', 'sherbrooke']);

    await outlet('laval').getByTestId('register-code').fill('LAV2');
    await outlet('laval').getByTestId('register-name').fill('Caisse 2 — Laval');
    await outlet('laval').getByTestId('register-add').click();
    await eventually(async () => assert.deepEqual(
      (await outlet('laval').getByTestId('register').allInnerTexts()).map(clean),
      ['Caisse 1 — Laval (LAV1)', 'Caisse 2 — Laval (LAV2)'],
    ));
  });

  test('a code enrols a tablet, which the admin revokes: the tablet shows its revoked banner', async () => {
    await page.goto(`${server.url}/appareils`);
    await page.getByTestId('code-form').waitFor({ timeout: 60_000 });
    await page.getByTestId('code-register').selectOption('lav2');
    await page.getByTestId('new-code').click();
    const shown = page.getByTestId('enrolment-code');
    await shown.waitFor();
    const code = clean(await shown.innerText());
    assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    assert.ok(clean(await page.getByTestId('enrolment-code-expiry').innerText()).length > 0);

    const tablet = await (await browser.newContext()).newPage();
    await tablet.goto(`${server.url}/`);
    await tablet.getByTestId('enrol-code').fill(code);
    await tablet.getByTestId('enrol-submit').click();
    await tablet.getByTestId('enrol').waitFor({ state: 'detached', timeout: 30_000 });

    await page.reload();
    const row = page.locator('[data-testid="device"]').filter({ has: page.getByTestId('device-register').getByText('Caisse 2 — Laval (LAV2)') });
    await eventually(async () => assert.equal(await row.count(), 1), { timeout: 30_000 });
    assert.equal(clean(await row.getByTestId('device-state').innerText()), 'Actif');
    assert.notEqual(clean(await row.getByTestId('device-last-seen').innerText()), '');
    await row.getByTestId('device-revoke').click();
    assert.match(clean(await row.getByTestId('device-confirm').innerText()), /^Révoquer cet appareil \?/);
    await row.getByTestId('device-confirm-yes').click();
    await eventually(async () => assert.equal(clean(await row.getByTestId('device-state').innerText()), 'Révoqué'));
    assert.equal(await row.getByTestId('device-revoke').count(), 0);

    const banner = tablet.getByTestId('device-refused');
    await banner.waitFor({ timeout: 60_000 });
    assert.match(clean(await banner.innerText()), /^Cet appareil a été révoqué/);
    await tablet.context().close();
  });

  test('an admin creates a cashier; demoting or deactivating the last admin is refused', async () => {
    await page.goto(`${server.url}/personnel`);
    await page.getByTestId('staff-form').waitFor({ timeout: 60_000 });
    await page.getByTestId('new-staff-name').fill('Zoé');
    await page.getByTestId('new-staff-outlet-montreal').check();
    await page.getByTestId('new-staff-pin').fill('4567');
    await page.getByTestId('new-staff-save').click();
    const zoe = page.locator('[data-testid="staff-member"]').filter({ has: page.getByTestId('staff-name').getByText('Zoé', { exact: true }) });
    await eventually(async () => assert.equal(await zoe.count(), 1));
    assert.equal(clean(await zoe.getByTestId('staff-role').innerText()), 'Caissier');
    assert.equal(clean(await zoe.getByTestId('staff-state').innerText()), 'Actif');

    const admin = page.locator('[data-testid="staff-member"][data-id="admin"]');
    await admin.getByTestId('staff-edit').click();
    await admin.getByTestId('staff-edit-role').selectOption('manager');
    await admin.getByTestId('staff-edit-outlet-montreal').check();
    await admin.getByTestId('staff-edit-save').click();
    const refusal = 'Refusé : C\'est le dernier administrateur actif : nommez d\'abord un autre administrateur.';
    await eventually(async () => assert.equal(clean(await admin.getByTestId('staff-notice').innerText()), refusal));
    await admin.getByTestId('staff-toggle').click();
    await admin.getByTestId('staff-confirm-yes').click();
    await eventually(async () => assert.equal(clean(await admin.getByTestId('staff-notice').innerText()), refusal));
    const { body: staff } = await server.api('/api/v1/staff/accounts');
    const me = staff.find((s) => s.id === 'admin');
    assert.deepEqual([me.role, me.active], ['admin', true]);
  });

  test('a manager sees only their outlet and is told only an admin changes it; the server refuses too', async () => {
    const manager = await (await browser.newContext()).newPage();
    await signIn(manager, server, MANAGER);
    await manager.goto(`${server.url}/points-de-vente`);
    await eventually(async () => assert.deepEqual(await manager.getByTestId('outlet').evaluateAll((els) => els.map((e) => e.dataset.id)), ['montreal']), { timeout: 60_000 });
    assert.equal(await manager.getByTestId('outlet-up').count(), 0);
    assert.equal(await manager.getByTestId('outlet-time-zone').count(), 0);
    assert.equal(clean(await manager.getByTestId('outlet-time-zone-text').innerText()), 'America/Toronto');
    assert.equal(clean(await manager.getByTestId('admins-only').innerText()), 'Seul un administrateur peut modifier ceci.');
    const { token } = await signInByApi(server, MANAGER);
    const refused = await server.api('/api/v1/outlets/montreal', {
      method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ time_zone: 'America/Halifax' }),
    });
    assert.equal(refused.status, 403);
    await manager.goto(`${server.url}/appareils`);
    await manager.getByTestId('code-form').waitFor({ timeout: 60_000 });
    assert.equal(await manager.getByTestId('device-revoke').count(), 0);
    await manager.context().close();
  });

  test('a cashier gets the refusal page', async () => {
    const made = await server.api('/api/v1/staff', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Caissière', email: 'caisse@e2e.example', role: 'cashier', outlets: ['montreal'], password: 'caisse-e2e-2026' }),
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const cashier = await (await browser.newContext()).newPage();
    await signIn(cashier, server, { email: 'caisse@e2e.example', password: 'caisse-e2e-2026' });
    for (const path of ['/points-de-vente', '/appareils', '/personnel', '/journal']) {
      await cashier.goto(`${server.url}${path}`);
      const denied = cashier.getByTestId('admin-denied');
      await denied.waitFor({ timeout: 60_000 });
      assert.match(clean(await denied.innerText()), /^Réservé aux gérants et administrateurs/, path);
    }
    await cashier.context().close();
  });

  test('the journal lists these actions, newest first, and filters them', async () => {
    await page.goto(`${server.url}/journal`);
    const entries = page.getByTestId('audit-entry');
    await eventually(async () => assert.ok(await entries.count() > 5), { timeout: 60_000 });
    const actions = await entries.evaluateAll((els) => els.map((e) => e.dataset.action));
    for (const a of ['outlet_changed', 'outlets_reordered', 'register_created', 'enrolment_code_created', 'device_enrolled', 'device_revoked', 'staff_created']) {
      assert.ok(actions.includes(a), `${a} in ${actions}`);
    }
    assert.ok(actions.indexOf('device_revoked') < actions.indexOf('outlets_reordered'), 'newest first');

    await page.getByTestId('filter-action').selectOption('device_revoked');
    await page.getByTestId('filter-apply').click();
    await eventually(async () => assert.deepEqual(await entries.evaluateAll((els) => els.map((e) => e.dataset.action)), ['device_revoked']));
    assert.equal(clean(await entries.first().getByTestId('audit-action').innerText()), 'Appareil révoqué');
    assert.equal(clean(await entries.first().getByTestId('audit-staff').innerText()), 'Administratrice');

    await page.getByTestId('filter-action').selectOption('');
    await page.getByTestId('filter-from').fill('2001-01-01');
    await page.getByTestId('filter-to').fill('2001-01-02');
    await page.getByTestId('filter-apply').click();
    await page.getByTestId('journal-empty').waitFor();
  });
});
