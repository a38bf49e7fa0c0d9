// The agents' inbox in a real browser, in the language the harness chose (ATENDE_LOCALE):
// signing in, live updates, replies, notes, canned responses, labels, assignment, resolving,
// filters, keyboard shortcuts, and what an agent may not open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { env, base, T, launch, signIn, api, waitLive } from '../lib.mjs';

let admin;
let page;

before(async () => {
  admin = await launch();
  page = admin.page;
});

after(async () => {
  await admin?.close();
});

const thread = () => page.locator('#thread-messages');
const composer = () => page.locator('#composer-text');

test('an administrator signs in and lands in the inbox', async () => {
  await signIn(page, env.adminEmail, env.adminPassword);
  assert.equal(await page.getAttribute('html', 'lang'), env.locale);
  await page.locator('#conversation-list .row-name', { hasText: env.contactName }).waitFor();
  await waitLive(page);
});

test('a message the customer sends appears without a reload, and so does a new conversation', async () => {
  await page.locator('.row-link', { hasText: env.contactName }).click();
  await page.locator('#conversation-heading', { hasText: env.contactName }).waitFor();
  assert.match(page.url(), new RegExp(`/conversations/${env.conversationId}$`));
  await waitLive(page);
  await page.evaluate(() => { window.__sameDocument = true; });
  const text = `Chegou? ${Date.now()}`;
  await api('POST', `/conversations/${env.conversationId}/messages`, { content: text, message_type: 'incoming' });
  await thread().locator('.msg--incoming', { hasText: text }).waitFor();
  await page.locator(`#conversation-${env.conversationId} .row-preview`, { hasText: text }).waitFor();
  // Someone new writes: the list gets the row.
  const contact = await api('POST', '/contacts', { inbox_id: Number(env.inboxId), name: 'Paula Nova', phone_number: '+5511955554444' });
  const created = await api('POST', '/conversations', { inbox_id: Number(env.inboxId), contact_id: contact.payload.contact.id });
  await api('POST', `/conversations/${created.id}/messages`, { content: 'Primeira mensagem', message_type: 'incoming' });
  await page.locator(`#conversation-${created.id}`, { hasText: 'Paula Nova' }).waitFor();
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload happened');
});

test('a reply is sent with Enter', async () => {
  await composer().click();
  await composer().fill('Olá! Vou verificar agora.');
  await composer().press('Enter');
  await thread().locator('.msg--outgoing', { hasText: 'Olá! Vou verificar agora.' }).waitFor();
  assert.equal(await composer().inputValue(), '');
});

test('Shift+Enter adds a line and p switches to a private note', async () => {
  await composer().press('Escape');
  await page.keyboard.press('p');
  assert.equal(await page.isChecked('#mode-note'), true);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'composer-text');
  await page.keyboard.type('Cliente antigo,');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('tratar com carinho');
  await page.keyboard.press('Enter');
  const note = thread().locator('.msg--note', { hasText: 'tratar com carinho' });
  await note.waitFor();
  assert.match(await note.innerText(), new RegExp(T.note));
  assert.match(await note.locator('.msg-content').innerText(), /Cliente antigo,\ntratar com carinho/);
  await page.click('label:has(#mode-reply)');
});

test('typing /shortcode offers canned responses and Enter inserts one', async () => {
  await composer().click();
  await composer().pressSequentially('/ol');
  await page.locator('#canned-suggestions [role=option]').first().waitFor();
  await composer().press('Enter');
  assert.equal(await composer().inputValue(), env.cannedContent);
  await composer().press('Enter');
  await thread().locator('.msg--outgoing', { hasText: env.cannedContent }).waitFor();
});

test('typing {{ offers variables, and empty ones are confirmed before sending', async () => {
  await composer().click();
  await composer().pressSequentially('Oi {{ contact.first');
  const picker = page.locator('#variable-picker');
  await picker.locator('[role=option]', { hasText: 'contact.first_name' }).first().waitFor();
  await composer().press('Enter');
  assert.equal(await composer().inputValue(), 'Oi {{ contact.first_name }}');
  assert.ok(await picker.isHidden(), 'Enter inserted the variable and did not send');
  // The customer has no e-mail: sending asks first, and "edit" keeps the text unsent.
  await composer().pressSequentially(', seu e-mail: {{ contact.email }}');
  await composer().press('Enter');
  const dialog = page.locator('#variables-confirm');
  await dialog.locator('#variables-confirm-list code', { hasText: 'contact.email' }).waitFor();
  await dialog.locator('[data-variables-cancel]').click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await composer().inputValue(), 'Oi {{ contact.first_name }}, seu e-mail: {{ contact.email }}');
  await composer().press('Enter');
  await dialog.locator('[data-variables-send]').click();
  await thread().locator('.msg--outgoing', { hasText: 'Oi Maria, seu e-mail:' }).waitFor();
  assert.equal(await composer().inputValue(), '');
});

test('a label is added from the panel and shows on the row', async () => {
  await page.selectOption('#label-add', 'vip');
  await page.locator('#conversation-labels .chip', { hasText: 'vip' }).waitFor();
  await page.locator(`#conversation-${env.conversationId} .chip`, { hasText: 'vip' }).waitFor();
});

test('the conversation is assigned to an agent', async () => {
  await page.selectOption('#assignee-select', { label: env.agentName });
  await page.locator(`#conversation-${env.conversationId} .row-assignee`, { hasText: env.agentName }).waitFor();
});

test('e resolves the open conversation', async () => {
  await page.locator('#thread').click();
  await page.keyboard.press('e');
  await page.locator('#conversation-status', { hasText: T.resolved }).waitFor();
  await page.locator('#action-reopen').waitFor();
});

test('? lists the keyboard shortcuts', async () => {
  await page.keyboard.press('?');
  const dialog = page.locator('#shortcuts-dialog');
  await dialog.locator('h2', { hasText: T.shortcuts }).waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
});

test('the list filters by label', async () => {
  await page.goto(`${base}/conversations?status=all`);
  await page.locator('.more-filters summary').click();
  await Promise.all([
    page.waitForURL(/label=vip/),
    page.selectOption('#inbox-label', 'vip'),
  ]);
  await page.waitForFunction(() => document.querySelectorAll('#conversation-list .conversation-row').length === 1);
  await page.locator(`#conversation-${env.conversationId}`).waitFor();
  // The filtered URL reloads to the same list.
  await page.reload();
  assert.equal(await page.locator('#conversation-list .conversation-row').count(), 1);
});

test('back returns to the list as it was before the filter', async () => {
  await page.goto(`${base}/conversations?status=all`);
  const before = await page.locator('#conversation-list .conversation-row').count();
  assert.ok(before > 1);
  await page.locator('.row-link').first().click();
  await page.locator('#conversation-heading').waitFor();
  await page.goBack();
  await page.waitForURL(`${base}/conversations?status=all`);
  await page.locator('.pane-empty').waitFor();
  assert.equal(await page.locator('#conversation-list .conversation-row').count(), before);
});

test('an agent sees no settings they may not open, and a direct URL is refused', async () => {
  const agent = await launch();
  try {
    await signIn(agent.page, env.agentEmail, env.agentPassword);
    await agent.page.locator('#conversation-list').waitFor();
    // Agents read teams, labels and canned responses and keep their own macros; every other
    // settings page is administrator-only and must not be offered.
    const links = agent.page.locator('a[href*="/settings/"]');
    const hrefs = (await links.evaluateAll((as) => as.map((a) => new URL(a.href).pathname))).sort();
    const sections = hrefs.map((href) => href.replace(/^.*\/settings\//, ''));
    assert.deepEqual(sections, ['canned_responses', 'labels', 'macros', 'teams']);
    for (const href of hrefs) {
      const offered = await agent.page.goto(`${new URL(base).origin}${href}`);
      assert.equal(offered.status(), 200, href);
    }
    const response = await agent.page.goto(`${base}/settings/agents`);
    assert.equal(response.status(), 403);
    const automation = await agent.page.goto(`${base}/settings/automation`);
    assert.equal(automation.status(), 403);
    await agent.page.locator('h1', { hasText: T.forbidden }).waitFor();
  } finally {
    await agent.close();
  }
});
