/// <reference lib="dom" />
// The console's entry point: takes the token, routes on the URL, renders a page or says why not.
// Every view is an ordinary URL (/system?window=..., /system/workspaces/<id>?window=...), so
// reload, back and sharing a link all work; navigation is plain links.
import { adoptTokenFromFragment, ApiError, forgetToken, readToken, saveToken, SignInRequired } from './api.ts';
import { loadDashboard } from './dashboard.ts';
import { loadTenant, loadWorkspace, NotFound } from './detail.ts';
import { defaultWindow, h, isWindow, windows, type WindowKey } from './dom.ts';

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
    const id = decodeURIComponent(match[2]!);
    return match[1] === 'workspaces' ? { page: 'workspace', id } : { page: 'tenant', id };
  }
  return { page: 'not-found' };
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

function show(...content: Array<HTMLElement | HTMLElement[]>): void {
  main.replaceChildren(...content.flat());
  main.setAttribute('aria-busy', 'false');
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
    h('textarea', {
      id: 'token-input', name: 'token', rows: 3, required: true, autocomplete: 'off', spellcheck: 'false',
      'aria-describedby': 'token-help',
    }),
    h('p', { id: 'token-help', class: 'hint' }, 'A JWT of the form header.payload.signature.'),
    h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = (form.querySelector('textarea') as HTMLTextAreaElement).value.trim();
    if (!token) return;
    saveToken(token);
    void render();
  });
  return form;
}

function problem(title: string, message: string, retry: boolean): HTMLElement {
  const section = h('section', { class: 'panel', 'aria-labelledby': 'problem-heading' },
    h('h1', { id: 'problem-heading' }, title),
    h('p', { class: 'notice notice-error', role: 'alert' }, message),
    h('p', {}, h('a', { href: `/system?window=${defaultWindow}` }, 'Back to the dashboard')));
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
  if (target.page === 'not-found') {
    document.title = 'Page not found · tenantpulse';
    show(problem('Page not found', `There is no console page at ${location.pathname}.`, false));
    return;
  }
  if (!readToken()) {
    document.title = 'Sign in · tenantpulse';
    show(signIn(null));
    focusMain();
    return;
  }
  try {
    const content =
      target.page === 'dashboard' ? await loadDashboard(window)
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
    } else if (error instanceof NotFound) {
      document.title = 'Not found · tenantpulse';
      show(problem('Not found', error.message, false));
    } else {
      document.title = 'Error · tenantpulse';
      show(problem('The console could not load this page', error instanceof ApiError ? error.message : String(error), true));
    }
  }
}

function focusMain(): void {
  const input = document.getElementById('token-input');
  input?.focus();
}

adoptTokenFromFragment();
void render();
// A sign-in link opened in a tab already showing the console changes only the fragment.
addEventListener('hashchange', () => {
  if (!location.hash.includes('token=')) return;
  adoptTokenFromFragment();
  void render();
});
