// A real OpenID Connect provider (panva's oidc-provider) for the tests, on loopback, over http.
//
//   node provider.mjs /path/to/config.json
//
// config.json:
//   {"port": 4000, "issuer": "http://127.0.0.1:4000", "id_token_ttl": 3600,
//    "clients": [{"client_id": "...", "client_secret": "...", "redirect_uris": ["..."],
//                 "post_logout_redirect_uris": ["..."]}],
//    "accounts_file": "/path/accounts.json", "exit_with_stdin": false}
//
// accounts.json, re-read on every look-up so a test can change a person between two logins:
//   {"<login>": {"sub": "...", "email": "...", "email_verified": true, "name": "...",
//                "groups": ["..."]}}
//
// Sign-in is a form with one field, `login` (no password); it grants every requested scope
// and claim at once (no consent page). Logout asks nothing: its page submits itself.
// State lives in memory and is gone when the process ends. Quiet unless OIDC_PROVIDER_DEBUG
// (or DEBUG, which oidc-provider's own `debug` output also reads) is set.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const verbose = Boolean(process.env.OIDC_PROVIDER_DEBUG || process.env.DEBUG);
if (!verbose) {
  // oidc-provider's notices (development-only adapter and keys, Node.js version) go through
  // console.info and console.warn; console.error stays for real failures.
  console.info = () => {};
  console.warn = () => {};
}

const { default: Provider, errors } = await import('oidc-provider');

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const idTokenTtl = config.id_token_ttl ?? 3600;

function readAccounts() {
  return JSON.parse(readFileSync(config.accounts_file, 'utf8'));
}

function accountBySub(sub) {
  return Object.values(readAccounts()).find((person) => person.sub === sub);
}

const esc = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>
<body><h1>${esc(title)}</h1>
${body}
</body></html>`;
}

// One RS256 signing key, new at every start; published at /jwks.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256',
};

const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  // The claims of the granted scopes go into the ID token too, not only the userinfo.
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    if (!accountBySub(sub)) return undefined;
    return {
      accountId: sub,
      async claims() {
        // Read again here: the file may have changed since the sign-in.
        const person = accountBySub(sub) ?? { sub };
        return { ...person, sub };
      },
    };
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        // The provider's form (with its xsrf field), answered "yes, sign me out" at once.
        const yes = '<input type="hidden" name="logout" value="yes"/></form>';
        ctx.body = page('Signing out', `${form.replace('</form>', yes)}
<noscript><button type="submit" form="op.logoutForm">Sign out</button></noscript>
<script>document.forms[0].submit()</script>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<p>You are signed out.</p>');
      },
    },
  },
  interactions: {
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', Object.entries(out)
      .map(([key, value]) => `<p><strong>${esc(key)}</strong>: <span class="${esc(key)}">${esc(value)}</span></p>`)
      .join('\n'));
  },
  ttl: {
    IdToken: idTokenTtl,
    AccessToken: 3600,
    AuthorizationCode: 60,
    Interaction: 3600,
    Session: 24 * 3600,
    Grant: 24 * 3600,
  },
});

function loginForm(uid, error) {
  return page('Sign in', `${error ? `<p class="error">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
  <label>Login <input name="login" autofocus></label>
  <button type="submit">Sign in</button>
</form>`);
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// Every scope and claim the authorization request asked for.
function grantRequested(grant, params) {
  if (params.scope) grant.addOIDCScope(params.scope);
  if (params.claims) {
    const claims = typeof params.claims === 'string' ? JSON.parse(params.claims) : params.claims;
    const names = new Set();
    for (const part of ['id_token', 'userinfo']) {
      for (const name of Object.keys(claims?.[part] ?? {})) names.add(name);
    }
    if (names.size) grant.addOIDCClaims([...names]);
  }
}

// The interaction pages, before the provider's own routes (Provider#use puts them there).
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) return next();
  ctx.set('cache-control', 'no-store');
  try {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const { uid, prompt, params } = details;
    if (uid !== match[1]) throw new errors.SessionNotFound('interaction session mismatch');

    if (ctx.method === 'GET' && !match[2]) {
      if (prompt.name === 'login') {
        ctx.type = 'html';
        ctx.body = loginForm(uid);
        return undefined;
      }
      // Signed in already, only consent missing: grant what is missing, ask nothing.
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
      if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      const consent = details.grantId ? {} : { grantId };
      return provider.interactionFinished(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true });
    }

    if (ctx.method === 'POST' && match[2] && prompt.name === 'login') {
      const login = (await formBody(ctx.req)).get('login') ?? '';
      const person = readAccounts()[login];
      if (!person) {
        ctx.status = 200;
        ctx.type = 'html';
        ctx.body = loginForm(uid, `Unknown login: ${login}`);
        return undefined;
      }
      const grant = new provider.Grant({ accountId: person.sub, clientId: params.client_id });
      grantRequested(grant, params);
      const grantId = await grant.save();
      return provider.interactionFinished(ctx.req, ctx.res, {
        login: { accountId: person.sub },
        consent: { grantId },
      }, { mergeWithLastSubmission: false });
    }

    ctx.status = 405;
    ctx.type = 'html';
    ctx.body = page('Error', `<p>${esc(ctx.method)} not expected here (prompt ${esc(prompt.name)})</p>`);
    return undefined;
  } catch (err) {
    if (!(err instanceof errors.SessionNotFound)) throw err;
    ctx.status = err.status;
    ctx.type = 'html';
    ctx.body = page('Error', `<p><strong>${esc(err.message)}</strong>: ${esc(err.error_description)}</p>`);
    return undefined;
  }
});

provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error:', err));
if (verbose) {
  for (const event of ['authorization.error', 'grant.error', 'end_session.error', 'userinfo.error',
    'introspection.error', 'revocation.error', 'jwks.error', 'discovery.error']) {
    provider.on(event, (ctx, err) => console.error(`oidc-provider ${event}:`, err));
  }
}

const server = provider.listen(config.port, '127.0.0.1', () => {
  if (verbose) console.error(`oidc-provider listening on ${config.issuer}`);
});
function stop() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, stop);
// Started with "exit_with_stdin": the process that started us holds our stdin open; when it
// goes (even killed outright), stdin ends and so do we, leaving no provider behind.
if (config.exit_with_stdin) {
  process.stdin.on('end', stop);
  process.stdin.resume();
}
