// The rule builder in a real browser: changing a row's attribute redraws the row with the
// operators and values of the new attribute (static/app.js presses the hidden "refresh"
// button), Enter in a text field saves rather than pressing a row's button, and the saved
// rule is listed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, base, launch, signIn, api } from '../lib.mjs';

let admin;

before(async () => { admin = await launch(); await signIn(admin.page, env.adminEmail, env.adminPassword); });
after(async () => { await admin?.close(); });

async function optionValues(page, selector) {
  return page.locator(`${selector} option`).evaluateAll((os) => os.map((o) => o.value));
}

test('a condition row follows its attribute and the rule saves with Enter', async () => {
  const page = admin.page;
  await page.goto(`${base}/settings/automation/new`);
  await page.locator('#name').fill('E2E: resolver pendentes');
  // Each change redraws the form on the server; the marker after it is what the redraw adds
  // or removes.
  await page.locator('#event_name').selectOption('conversation_updated');
  await page.locator('#c0_attribute option[value="content"]').waitFor({ state: 'detached' });
  assert.equal(await page.locator('#name').inputValue(), 'E2E: resolver pendentes', 'typed text survives');

  await page.locator('#c0_attribute').selectOption('status');
  await page.locator('#c0_value option[value="pending"]').waitFor({ state: 'attached' });
  assert.deepEqual(await optionValues(page, '#c0_operator'), ['equal_to', 'not_equal_to', 'attribute_changed']);

  await page.locator('#c0_operator').selectOption('attribute_changed');
  await page.locator('#c0_to').waitFor();
  await page.locator('#c0_to').selectOption(['pending']);

  await page.locator('#a0_name').selectOption('change_priority');
  await page.locator('#a0_value option[value="urgent"]').waitFor({ state: 'attached' });
  await page.locator('#a0_value').selectOption('urgent');

  await Promise.all([page.waitForURL(/\/settings\/automation$/), page.locator('#name').press('Enter')]);
  await page.locator('tr', { hasText: 'E2E: resolver pendentes' }).waitFor();
  const rule = (await api('GET', '/automation_rules')).payload.find((r) => r.name === 'E2E: resolver pendentes');
  assert.deepEqual(rule.conditions[0].values, { from: [], to: ['pending'] });
  assert.deepEqual(rule.actions, [{ action_name: 'change_priority', action_params: ['urgent'] }]);
});
