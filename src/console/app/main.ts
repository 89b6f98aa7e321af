/// <reference lib="dom" />
// The console's entry point: takes the token, routes on the URL, renders a page or says why not.
// Every view is an ordinary URL (/system?window=..., /system/workspaces/<id>?window=...), so
// reload, back and sharing a link all work; navigation is plain links.
import { adoptTokenFromFragment, ApiError, forgetToken, readToken, saveToken, SignInRequired } from './api.ts';
import { loadDashboard } from './dashboard.ts';
import { loadTenant, loadWorkspace, NotFound } from './detail.ts';
import { consoleHref, defaultWindow, h, isWindow, windows, type WindowKey } from './dom.ts';

type Route =
  | { page: 'dashboard' }
  | { page: 'workspace'; id: string }
  | { page: 'tenant'; id: string }
  | { page: 'not-found' };

function route(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '');
  if (path === '/system') return { page: 'dashboard' };
  const match = /^\/system\/(workspaces|tenants)\/([^/]+)$/.exec(path);
  if (match) {
    const id = decodeOrKeep(match[2]!);
    return match[1] === 'workspaces' ? { page: 'workspace', id } : { page: 'tenant', id };
  }
  return { page: 'not-found' };
}

/** A path segment as typed; a malformed escape (`%ZZ`) is kept as is, and is then no id. */
function decodeOrKeep(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The window from the URL; an unknown value falls back to the default and the URL says so. */
function currentWindow(): WindowKey {
  const params = new URLSearchParams(location.search);
  const value = params.get('window');
  if (isWindow(value)) return value;
  params.set('window', defaultWindow);
  history.replaceState(history.state, '', `${location.pathname}?${params}`);
  return defaultWindow;
}

const main = document.getElementById('main')!;

/** Replaces the page; a screen reader hears which page loaded (role=status), not the whole page. */
function show(...content: Array<HTMLElement | HTMLElement[]>): void {
  main.replaceChildren(...content.flat());
  main.setAttribute('aria-busy', 'false');
  document.getElementById('status')!.textContent = `${document.title.replace(/ · tenantpulse$/, '')} loaded`;
}

function sessionBar(): void {
  const slot = document.getElementById('session')!;
  if (!readToken()) {
    slot.replaceChildren();
    return;
  }
  const button = h('button', { type: 'button', class: 'button-quiet' }, 'Sign out');
  button.addEventListener('click', () => {
    forgetToken();
    void render();
  });
  slot.replaceChildren(button);
}

function windowSelector(window: WindowKey): HTMLElement {
  return h('nav', { class: 'window-selector', 'aria-label': 'Time window' },
    h('span', { class: 'window-selector-label', id: 'window-label' }, 'Window'),
    h('ul', { 'aria-labelledby': 'window-label' }, windows.map(({ key, label }) =>
      h('li', {}, h('a', {
        href: `${location.pathname}?window=${key}`,
        'aria-current': key === window ? 'page' : null,
        'data-window': key,
      }, label)))));
}

function signIn(message: string | null): HTMLElement {
  const form = h('form', { class: 'panel sign-in', id: 'sign-in', 'aria-labelledby': 'sign-in-heading' },
    h('h1', { id: 'sign-in-heading' }, 'Sign in to the system console'),
    message ? h('p', { class: 'notice notice-error', role: 'alert' }, message) : null,
    h('p', {}, 'The console reads the GraphQL API as a system operator. Paste an operator token: ',
      h('code', {}, 'npm run token'), ' prints one, and ', h('code', {}, 'npm start'),
      ' prints a sign-in link. The token is kept only for this browser tab’s session.'),
    h('label', { for: 'token-input' }, 'Operator token'),
    // A secret, entered like one: masked, not remembered, and Enter signs in.
    h('input', {
      id: 'token-input', name: 'token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false',
      'aria-describedby': 'token-help',
    }),
    h('p', { id: 'token-help', class: 'hint' }, 'A JWT of the form header.payload.signature.'),
    h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = (form.querySelector('input') as HTMLInputElement).value.trim();
    if (!token) return;
    saveToken(token);
    // Signed in: focus moves from the form that is gone to the page it opened (or back to the form).
    void render().then(() => {
      if (readToken()) main.focus();
    });
  });
  return form;
}

function problem(title: string, message: string, window: WindowKey, retry: boolean): HTMLElement {
  const section = h('section', { class: 'panel', 'aria-labelledby': 'problem-heading' },
    h('h1', { id: 'problem-heading' }, title),
    h('p', { class: 'notice notice-error', role: 'alert' }, message),
    h('p', {}, h('a', { href: consoleHref('/system', window) }, 'Back to the dashboard')));
  if (retry) {
    const button = h('button', { type: 'button' }, 'Retry');
    button.addEventListener('click', () => void render());
    section.append(button);
  }
  return section;
}

async function render(): Promise<void> {
  main.setAttribute('aria-busy', 'true');
  sessionBar();
  const target = route(location.pathname);
  const window = currentWindow();
  document.querySelector('a.brand')?.setAttribute('href', consoleHref('/system', window));
  if (target.page === 'not-found') {
    document.title = 'Page not found · tenantpulse';
    show(problem('Page not found', `There is no console page at ${location.pathname}.`, window, false));
    return;
  }
  if (!readToken()) {
    document.title = 'Sign in · tenantpulse';
    show(signIn(null));
    focusTokenInput();
    return;
  }
  try {
    const content =
      target.page === 'dashboard' ? await loadDashboard(window, { allAttention: new URLSearchParams(location.search).get('attention') === 'all' })
      : target.page === 'workspace' ? await loadWorkspace(target.id, window)
      : await loadTenant(target.id, window);
    if (target.page === 'dashboard') document.title = 'System dashboard · tenantpulse';
    // The selector sits under the page heading (or the breadcrumbs and heading of a detail page).
    const headingIndex = content.findIndex((element) => element.tagName === 'H1');
    show(...content.slice(0, headingIndex + 1), windowSelector(window), ...content.slice(headingIndex + 1));
  } catch (error) {
    if (error instanceof SignInRequired) {
      forgetToken();
      sessionBar();
      document.title = 'Sign in · tenantpulse';
      show(signIn(error.message));
      focusTokenInput();
    } else if (error instanceof NotFound) {
      document.title = 'Not found · tenantpulse';
      show(problem('Not found', error.message, window, false));
    } else {
      document.title = 'Error · tenantpulse';
      show(problem('The console could not load this page', error instanceof ApiError ? error.message : String(error), window, true));
    }
  }
}

function focusTokenInput(): void {
  document.getElementById('token-input')?.focus();
}

adoptTokenFromFragment();
void render();
// A sign-in link opened in a tab already showing the console changes only the fragment.
addEventListener('hashchange', () => {
  if (!location.hash.includes('token=')) return;
  adoptTokenFromFragment();
  void render();
});
