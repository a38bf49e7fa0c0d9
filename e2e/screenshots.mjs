// Saves screenshots of the inbox, a conversation and two settings pages at 1280×800 into
// ATENDE_SCREENSHOTS. The data comes from the Rust harness:
//   cargo test --test app inbox::browser::screenshots -- --ignored
import { join } from 'node:path';
import { env, base, launch, signIn, waitLive } from './lib.mjs';

const out = process.env.ATENDE_SCREENSHOTS;
if (!out) { throw new Error('ATENDE_SCREENSHOTS is not set'); }

const browser = await launch();
try {
  const { page } = browser;
  await signIn(page, env.adminEmail, env.adminPassword);
  await page.goto(`${base}/conversations/${env.conversationId}`);
  await waitLive(page);
  await page.screenshot({ path: join(out, 'inbox.png') });
  console.log('saved inbox.png');

  await page.locator('#composer-text').click();
  await page.locator('#composer-text').pressSequentially('/ol');
  await page.locator('#canned-suggestions [role=option]').first().waitFor();
  await page.screenshot({ path: join(out, 'conversation.png') });
  console.log('saved conversation.png');

  for (const [path, file] of [['/profile', 'profile.png'], ['/settings/agents', 'agents.png'], ['/contacts', 'contacts.png']]) {
    await page.goto(`${base}${path}`);
    await page.screenshot({ path: join(out, file) });
    console.log(`saved ${file}`);
  }

  // The rule builder with a condition row redrawn for its attribute.
  await page.goto(`${base}/settings/automation/new`);
  await page.locator('#name').fill('Pedidos de boleto');
  // Each change of a row's select reloads the page with the row redrawn.
  const redraw = (act) => Promise.all([page.waitForEvent('load'), act()]);
  await redraw(() => page.locator('#c0_attribute').selectOption('content'));
  await redraw(() => page.locator('#c0_operator').selectOption('contains'));
  await page.locator('#c0_value').fill('boleto\nsegunda via');
  await redraw(() => page.locator('#a0_name').selectOption('add_private_note'));
  await page.locator('#a0_text').fill('{{ contact.first_name }} pediu um boleto.');
  await page.screenshot({ path: join(out, 'automation.png'), fullPage: true });
  console.log('saved automation.png');
} finally {
  await browser.close();
}

// The same conversation on a phone: the list and the conversation stack.
const phone = await launch({ width: 390, height: 844 });
try {
  await signIn(phone.page, env.adminEmail, env.adminPassword);
  await phone.page.goto(`${base}/conversations/${env.conversationId}`);
  await phone.page.screenshot({ path: join(out, 'conversation-phone.png') });
  console.log('saved conversation-phone.png');
} finally {
  await phone.close();
}

// Dark mode follows the system.
const dark = await launch({ width: 1280, height: 800 }, 'dark');
try {
  await signIn(dark.page, env.adminEmail, env.adminPassword);
  await dark.page.goto(`${base}/conversations/${env.conversationId}`);
  await dark.page.screenshot({ path: join(out, 'inbox-dark.png') });
  console.log('saved inbox-dark.png');
} finally {
  await dark.close();
}
