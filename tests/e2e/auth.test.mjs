// Staff and devices in a real browser against the real server: a cashier switches in by PIN online and
// offline (and every sale names her), a new device is enrolled through its screen, a revoked device keeps
// its unsent sale visible and exportable, and a manager signs in and out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  MANAGER, RegisterPage, SOPHIE, browserDevice, clean, counts, eventually, serverReceipts, signInByApi, useShop,
} from './support.mjs';

// After failures the register retries with a growing, jittered delay (at most 30 s).
const BACK = { timeout: 45_000 };

async function storedSale(server, receipt) {
  const { body } = await server.api('/api/v1/sales?limit=1000');
  return body.filter((s) => s.receipt === receipt);
}

describe('staff and devices', () => {
  let server, browser, products;
  useShop((s) => ({ server, browser, products } = s));

  test('switching in online: a wrong PIN says so with the tries left, the right one switches in; sales name their cashier', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const reg = new RegisterPage(page, server);
    await page.goto(server.url);
    await reg.enrol('montreal-1');
    const who = page.getByTestId('switch-in');
    await who.waitFor();
    // Montréal's staff, and the admin (every outlet); not Laval's cashier.
    await page.getByTestId('staff-julie').waitFor();
    for (const id of ['julie', 'sophie', 'gerante-mtl', 'admin']) assert.equal(await page.getByTestId(`staff-${id}`).count(), 1, id);
    assert.equal(await page.getByTestId('staff-marc').count(), 0);
    assert.equal(await page.getByTestId('pay').isDisabled(), true, 'nobody switched in: nothing can be paid');

    await page.getByTestId('staff-julie').click();
    assert.equal(clean(await page.getByTestId('pin-name').innerText()), 'Julie');
    // Typed on a keyboard, then Enter.
    await page.getByTestId('pin-input').focus();
    await page.keyboard.type('1234');
    await page.keyboard.press('Enter');
    await eventually(async () => assert.equal(clean(await page.getByTestId('pin-message').innerText()), 'NIP incorrect — encore 4 essais'));
    assert.equal(await page.getByTestId('pin-input').inputValue(), '', 'the pad is cleared');
    // Then on the pad.
    for (const d of '1111') await page.getByTestId(`pin-key-${d}`).click();
    await page.getByTestId('pin-ok').click();
    await who.waitFor({ state: 'detached' });
    assert.equal(clean(await page.getByTestId('cashier-name').innerText()), 'Julie');
    assert.equal(await page.getByTestId('cashier-offline').count(), 0);
    await reg.ready();

    await reg.scan(products.hat.barcode);
    const first = await reg.pay('20');
    assert.equal(clean(await page.getByTestId('receipt-cashier').innerText()), 'Julie', 'the receipt names her');
    // Another cashier takes over.
    await page.getByTestId('switch-cashier').click();
    await who.waitFor();
    await reg.switchIn(SOPHIE);
    assert.equal(clean(await page.getByTestId('cashier-name').innerText()), 'Sophie');
    await reg.scan(products.hat.barcode);
    const second = await reg.pay('20');
    await eventually(async () => {
      assert.deepEqual((await storedSale(server, first)).map((s) => s.cashier_id), ['julie']);
      assert.deepEqual((await storedSale(server, second)).map((s) => s.cashier_id), ['sophie']);
    });

    // A reload keeps who is switched in (this tab's session); a new tab asks again.
    await page.reload();
    await reg.ready();
    assert.equal(clean(await page.getByTestId('cashier-name').innerText()), 'Sophie');
    const tab = await context.newPage();
    await tab.goto(server.url);
    await tab.getByTestId('switch-in').waitFor();
    await context.close();
  });

  test('switching in offline after a first sync: the PIN is checked on the device; the sale made offline arrives once with its cashier', async () => {
    const context = await browser.newContext();
    const reg = await new RegisterPage(await context.newPage(), server).open();
    const page = reg.page;
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    await page.getByTestId('switch-cashier').click();
    await page.getByTestId('switch-in').waitFor();

    await context.setOffline(true);
    await page.getByTestId('staff-sophie').click();
    for (const d of '0000') await page.getByTestId(`pin-key-${d}`).click();
    await page.getByTestId('pin-ok').click();
    await eventually(async () => assert.equal(clean(await page.getByTestId('pin-message').innerText()), 'NIP incorrect — encore 4 essais'), { timeout: 30_000 });
    await page.getByTestId('pin-input').focus();
    await page.keyboard.type('3333');
    await page.keyboard.press('Enter');
    await page.getByTestId('switch-in').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(clean(await page.getByTestId('cashier-name').innerText()), 'Sophie');
    assert.match(clean(await page.getByTestId('cashier-offline').innerText()), /hors ligne \(NIP vérifié sur l'appareil\)/);

    await reg.scan(products.hat.barcode);
    const receipt = await reg.pay('20');
    await eventually(async () => assert.equal(await reg.status(), 'hors ligne — 1 vente en attente'));
    assert.deepEqual(await storedSale(server, receipt), []);

    await context.setOffline(false);
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'), BACK);
    await eventually(async () => assert.deepEqual((await storedSale(server, receipt)).map((s) => s.cashier_id), ['sophie']));
    await context.close();
  });

  test('offline, five wrong PINs lock that person out on this device until a time it shows, across a reload', async () => {
    const context = await browser.newContext();
    const reg = await new RegisterPage(await context.newPage(), server).open();
    const page = reg.page;
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    await page.getByTestId('switch-cashier').click();
    await context.setOffline(true);
    await page.getByTestId('staff-gerante-mtl').click();
    const message = async () => clean(await page.getByTestId('pin-message').innerText());
    for (let left = 4; left >= 1; left--) {
      await page.getByTestId('pin-input').focus();
      await page.keyboard.type('0000');
      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal(await message(), `NIP incorrect — encore ${left} essai${left > 1 ? 's' : ''}`), { timeout: 30_000 });
    }
    await page.keyboard.type('0000');
    await page.keyboard.press('Enter');
    await eventually(async () => assert.match(await message(), /^Trop d'essais : bloqué jusqu'à \d{1,2} h \d{2}\.$/), { timeout: 30_000 });
    // Even the right PIN is refused now, without being checked.
    await page.keyboard.type(MANAGER.pin);
    await page.keyboard.press('Enter');
    await eventually(async () => assert.match(await message(), /^Trop d'essais : bloqué jusqu'à/));
    assert.equal(await page.getByTestId('switch-in').count(), 1);

    await context.setOffline(false);
    await page.reload();
    await page.getByTestId('switch-in').waitFor();
    await page.getByTestId('staff-gerante-mtl').click();
    for (const d of MANAGER.pin) await page.getByTestId(`pin-key-${d}`).click();
    await page.getByTestId('pin-ok').click();
    await eventually(async () => assert.match(await message(), /^Trop d'essais : bloqué jusqu'à/), { timeout: 30_000 });
    // Others still switch in.
    await page.getByTestId('pin-back').click();
    await reg.switchIn(SOPHIE);
    await context.close();
  });

  test('a new device is enrolled through its screen: offline it says to connect, a bad code is refused, a manager\'s code enrols it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId('enrol').waitFor();
    assert.equal(clean(await page.locator('.enrol h1').innerText()), 'Enrôler cet appareil');

    const manager = await signInByApi(server, MANAGER);
    const { body: made } = await server.api('/api/v1/devices/codes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${manager.token}` },
      body: JSON.stringify({ register_id: 'montreal-1' }),
    });
    assert.match(made.code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);

    await context.setOffline(true);
    await page.getByTestId('enrol-code').fill(made.code);
    await page.getByTestId('enrol-submit').click();
    await eventually(async () => assert.match(clean(await page.getByTestId('enrol-error').innerText()), /connectez l'appareil au réseau pour l'enrôler/));
    await context.setOffline(false);

    await page.getByTestId('enrol-code').fill('ZZZZ-ZZZZ');
    await page.getByTestId('enrol-submit').click();
    await eventually(async () => assert.equal(clean(await page.getByTestId('enrol-error').innerText()), 'Code invalide, expiré ou déjà utilisé.'));

    // As a person may type it: lower case, no dash.
    await page.getByTestId('enrol-code').fill(made.code.toLowerCase().replace('-', ''));
    await page.getByTestId('enrol-submit').click();
    await page.getByTestId('enrol').waitFor({ state: 'detached' });
    const reg = new RegisterPage(page, server);
    reg.register = 'montreal-1';
    await reg.ready();
    assert.match(await reg.text('register'), /Montréal/);

    const me = await browserDevice(page);
    assert.ok(me.credential, 'the device keeps its credential');
    const { body: devices } = await server.api('/api/v1/devices');
    const listed = devices.find((d) => d.id === me.id);
    assert.equal(listed.register_id, 'montreal-1');
    assert.equal(listed.number, me.number);
    // The code was for one device.
    const again = await server.api('/api/v1/devices/enrol', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: null }, body: JSON.stringify({ device_id: 'e2e-other', code: made.code }),
    });
    assert.equal(again.status, 401);
    await context.close();
  });

  test('a revoked device shows the banner and keeps its unsent sale, listed and exported; enrolled again it sends it once', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const reg = await new RegisterPage(await context.newPage(), server).open();
    const page = reg.page;
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    await context.setOffline(true);
    await reg.scan(products.hat.barcode);
    const receipt = await reg.pay('20');
    await eventually(async () => assert.equal(await reg.status(), 'hors ligne — 1 vente en attente'));

    const me = await browserDevice(page);
    const revoked = await server.api(`/api/v1/devices/${me.id}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    let pushes = 0;
    page.on('request', (r) => { if (r.url().includes('/sync/push')) pushes++; });
    await context.setOffline(false);

    const banner = page.getByTestId('device-refused');
    await banner.waitFor({ timeout: 45_000 });
    assert.equal(clean(await banner.innerText()).replace(/Enrôler de nouveau$/, '').trim(),
      'Cet appareil a été révoqué — les ventes non envoyées restent ici ; exportez-les.');
    await page.getByTestId('lang-switch').click();
    assert.match(clean(await banner.innerText()), /^This device has been revoked — unsent sales stay here; export them\./);
    await page.getByTestId('lang-switch').click();
    assert.match(await reg.status(), /1 vente en attente/);
    assert.deepEqual(await storedSale(server, receipt), [], 'the server refused it: not stored');

    // The pusher backs off instead of hammering the server.
    const before = pushes;
    await new Promise((r) => setTimeout(r, 6000));
    assert.ok(pushes - before <= 3, `${pushes - before} pushes in 6 s`);

    await page.getByTestId('show-unsent').click();
    const row = page.locator(`[data-testid="unsent-dialog"] tr[data-receipt="${receipt}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'pending');
    await page.getByTestId('close-unsent').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-pending').click()]);
    const file = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.equal(file.device_id, me.id);
    assert.deepEqual(file.sales.map((s) => [s.receipt, s.cashier_id]), [[receipt, 'julie']]);

    // Kept across a reload, banner and all.
    await page.reload();
    await banner.waitFor({ timeout: 45_000 });
    assert.match(await reg.status(), /1 vente en attente/);

    // A manager's new code: the same device (id, number, queue) is accepted again and its sale goes out once.
    await page.getByTestId('enrol-again').click();
    await page.getByTestId('enrol').waitFor();
    await reg.enrol('montreal-1');
    await reg.ready();
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'), BACK);
    assert.equal(await banner.count(), 0);
    assert.equal(counts(await serverReceipts(server)).get(receipt), 1);
    assert.equal((await browserDevice(page)).number, me.number);
    await context.close();
  });

  test('a device revoked while it has nothing to send says so within seconds', async () => {
    const context = await browser.newContext();
    const reg = await new RegisterPage(await context.newPage(), server).open();
    await eventually(async () => assert.equal(await reg.status(), 'en ligne'));
    const me = await browserDevice(reg.page);
    assert.equal((await server.api(`/api/v1/devices/${me.id}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' } })).status, 200);
    await reg.page.getByTestId('device-refused').waitFor({ timeout: 15_000 });
    assert.equal(await reg.page.getByTestId('device-refused').getAttribute('data-code'), 'device_revoked');
    await context.close();
  });

  test('the sign-in page signs a manager in and out; only a manager is offered to delete a serial number', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // A serial on file, for the trash icon.
    const added = await server.api('/api/v1/serials', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ product_id: 'drill', outlet_id: 'montreal', serials: 'AUTH-1' }),
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));

    await page.goto(`${server.url}/connexion`);
    assert.equal(clean(await page.locator('.sign-in h1').innerText()), 'Connexion');
    await page.getByTestId('email').fill(MANAGER.email);
    await page.getByTestId('password').fill('not-the-password');
    await page.getByTestId('sign-in').click();
    await eventually(async () => assert.equal(clean(await page.getByTestId('sign-in-error').innerText()), 'Courriel ou mot de passe incorrect.'));

    await page.getByTestId('password').fill(MANAGER.password);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('signed-in').waitFor();
    assert.equal(clean(await page.getByTestId('signed-in').innerText()), 'Connecté : Gérante Montréal (gérant)');
    assert.equal(clean(await page.getByTestId('nav-sign-in').innerText()), 'Gérante Montréal');
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    assert.equal(me.staff.id, 'gerante-mtl');

    // Still signed in after a reload; the serial numbers page offers the trash icon, and once confirmed it works (CSRF token sent).
    await page.goto(`${server.url}/numeros-de-serie`);
    const trash = page.getByRole('button', { name: 'Supprimer AUTH-1' });
    await trash.waitFor({ timeout: 30_000 });
    await trash.click();
    await page.locator('tr.serial-row[data-serial="AUTH-1"]').getByRole('button', { name: 'Oui' }).click();
    await eventually(async () => assert.equal(await page.locator('tr.serial-row[data-serial="AUTH-1"]').count(), 0));
    const { body: left } = await server.api('/api/v1/serials?product_id=drill');
    assert.ok(!left.some((s) => s.serial === 'AUTH-1'), 'deleted on the server');

    await page.goto(`${server.url}/connexion`);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('email').waitFor();
    assert.equal(clean(await page.getByTestId('nav-sign-in').innerText()), 'Connexion');
    const after = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
    assert.equal(after, 401, 'the session is gone on the server');

    // A register (device and cashier, no manager session) is not offered the trash icon.
    const again = await server.api('/api/v1/serials', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ product_id: 'drill', outlet_id: 'montreal', serials: 'AUTH-2' }),
    });
    assert.equal(again.status, 201);
    const reg = await new RegisterPage(await context.newPage(), server).open();
    await reg.page.goto(`${server.url}/numeros-de-serie`);
    await reg.page.locator('tr.serial-row[data-serial="AUTH-2"]').waitFor({ timeout: 30_000 });
    assert.equal(await reg.page.getByRole('button', { name: 'Supprimer AUTH-2' }).count(), 0);
    await context.close();
  });
});
