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
