// Creating a label and an inbox in the settings pages, as an administrator clicks through them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, base, launch, signIn, api } from '../lib.mjs';

let admin;

before(async () => { admin = await launch(); await signIn(admin.page, env.adminEmail, env.adminPassword); });
after(async () => { await admin?.close(); });

/** Fills the first form of the page that has `field` and submits it. */
async function submitWith(page, field, value) {
  const form = page.locator(`form:has([name="${field}"])`).first();
  await form.locator(`[name="${field}"]`).fill(value);
  await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').first().click()]);
}

test('an administrator creates a label in settings', async () => {
  const page = admin.page;
  await page.goto(`${base}/settings/labels`);
  await Promise.all([page.waitForURL(/\/settings\/labels\/new$/), page.locator(`a[href$="/settings/labels/new"]`).first().click()]);
  await submitWith(page, 'title', 'e2e-etiqueta');
  await page.goto(`${base}/settings/labels`);
  await page.getByText('e2e-etiqueta').first().waitFor();
  const labels = (await api('GET', '/labels')).payload.map((l) => l.title);
  assert.ok(labels.includes('e2e-etiqueta'), labels.join(', '));
});

test('an administrator creates an inbox in settings', async () => {
  const page = admin.page;
  await page.goto(`${base}/settings/inboxes`);
  await Promise.all([page.waitForURL(/\/settings\/inboxes\/new$/), page.locator(`a[href$="/settings/inboxes/new"]`).first().click()]);
  await submitWith(page, 'name', 'Caixa E2E');
  await page.goto(`${base}/settings/inboxes`);
  await page.getByText('Caixa E2E').first().waitFor();
  const inboxes = (await api('GET', '/inboxes')).payload.map((i) => i.name);
  assert.ok(inboxes.includes('Caixa E2E'), inboxes.join(', '));
});
