// Shared pieces of the browser tests: the settings the Rust harness passes in the environment,
// a Chromium of the system launched with a fresh profile, sign-in, and the strings each page
// language shows.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function required(name) {
  const value = process.env[name];
  if (!value) { throw new Error(`${name} is not set: run these tests through cargo test (see README)`); }
  return value;
}

/** What the Rust harness seeded. */
export const env = {
  url: required('ATENDE_URL'),
  accountId: required('ATENDE_ACCOUNT_ID'),
  locale: process.env.ATENDE_LOCALE || 'pt-BR',
  adminEmail: required('ATENDE_ADMIN_EMAIL'),
  adminPassword: required('ATENDE_ADMIN_PASSWORD'),
  adminToken: required('ATENDE_ADMIN_TOKEN'),
  agentEmail: required('ATENDE_AGENT_EMAIL'),
  agentPassword: required('ATENDE_AGENT_PASSWORD'),
  agentName: required('ATENDE_AGENT_NAME'),
  inboxId: required('ATENDE_INBOX_ID'),
  conversationId: required('ATENDE_CONVERSATION_ID'),
  contactName: required('ATENDE_CONTACT_NAME'),
  cannedContent: required('ATENDE_CANNED_CONTENT'),
};

export const base = `${env.url}/app/accounts/${env.accountId}`;

const STRINGS = {
  en: { resolved: 'Resolved', forbidden: 'Not allowed', shortcuts: 'Keyboard shortcuts', note: 'Private note' },
  'pt-BR': { resolved: 'Resolvida', forbidden: 'Acesso não permitido', shortcuts: 'Atalhos de teclado', note: 'Nota privada' },
};

/** Strings of the page language under test. */
export const T = STRINGS[env.locale];

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** A browser with its own fresh profile (cookies), 1280×800. */
export async function launch(viewport = { width: 1280, height: 800 }, colorScheme = 'light') {
  const profile = mkdtempSync(join(tmpdir(), 'atende-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    colorScheme,
    locale: env.locale,
  });
  context.setDefaultTimeout(15000);
  const page = context.pages()[0] || await context.newPage();
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in on the login page and waits for the inbox. */
export async function signIn(page, email, password) {
  await page.goto(`${env.url}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${base}`), page.click('#login-form button[type=submit]')]);
}

/** An API call as the administrator (what a channel or an integration would do). */
export async function api(method, path, body) {
  const response = await fetch(`${env.url}/api/v1/accounts/${env.accountId}${path}`, {
    method,
    headers: { 'content-type': 'application/json', api_access_token: env.adminToken },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) { throw new Error(`${method} ${path}: ${response.status} ${text}`); }
  return JSON.parse(text);
}

/** Waits until the page's live connection is open. */
export async function waitLive(page) {
  await page.waitForFunction(() => window.AtendeInbox && window.AtendeInbox.live());
}
