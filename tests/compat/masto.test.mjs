// Coopol's Mastodon client API through masto.js (the library behind
// Elk and Phanpy) against the two loopback instances of
// cmd/coopol-testnet, and, when installed (run.sh installs them from
// Debian), Mastodon.py and toot driven with tokens obtained through the
// real OAuth authorization-code flow. Issue 15: streaming delete, polls
// with own_votes, the 4.3 endpoints, edit with media, reports, filters,
// scheduled statuses, Web Push (a receiver on loopback decrypts what the
// server sends), link preview cards, and toot's `follow <username>`.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import http from 'node:http'
import crypto from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { createRestAPIClient, createStreamingAPIClient } from 'masto'
import WebSocket from 'ws'

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '..', '..')
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')
const PYTHON = '/usr/bin/python3'

function startTestnet () {
  const bin = process.env.COOPOL_TESTNET_BIN
  const child = bin
    ? spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn('go', ['run', './cmd/coopol-testnet'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    readline.createInterface({ input: child.stdout }).once('line', (line) => resolve({ child, info: JSON.parse(line) }))
  })
}

const decode = (s) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
  .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

// oauthLogin registers an app, signs in on the authorization page with
// the out-of-band redirect (as CLI clients do), reads the code from the
// page and exchanges it: {app, token}.
async function oauthLogin (baseUrl, username, password) {
  const redirect = 'urn:ietf:wg:oauth:2.0:oob'
  const appRes = await fetch(new URL('/api/v1/apps', baseUrl), {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: 'Coopol compat (masto.js)', redirect_uris: redirect, scopes: 'read write follow push' })
  })
  const app = await appRes.json()
  assert.ok(app.client_id, 'POST /api/v1/apps answered an application')
  const authorize = new URL('/oauth/authorize', baseUrl)
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: redirect, scope: 'read write follow push' })
  const page = await fetch(authorize)
  const cookie = (page.headers.getSetCookie?.() || []).map((c) => c.split(';')[0]).join('; ')
  const form = (await page.text()).match(/<form[^>]*action="\/oauth\/authorize"[\s\S]*?<\/form>/)[0]
  const fields = {}
  for (const m of form.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
    const name = m[0].match(/name="([^"]*)"/)
    const value = m[0].match(/value="([^"]*)"/)
    if (name) fields[decode(name[1])] = value ? decode(value[1]) : ''
  }
  const answer = await fetch(new URL('/oauth/authorize', baseUrl), {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
    body: new URLSearchParams({ ...fields, login: username, password, decision: 'allow' })
  })
  let code
  if (answer.status === 302) {
    code = new URL(answer.headers.get('location'), baseUrl).searchParams.get('code')
  } else {
    const html = await answer.text()
    code = (html.match(/id="code">([^<]+)</) || [])[1]
  }
  assert.ok(code, `an authorization code from the out-of-band page (status ${answer.status})`)
  const tokenRes = await fetch(new URL('/oauth/token', baseUrl), {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ grant_type: 'authorization_code', code, client_id: app.client_id, client_secret: app.client_secret, redirect_uri: redirect })
  })
  const token = await tokenRes.json()
  assert.ok(token.access_token, `POST /oauth/token: ${JSON.stringify(token)}`)
  return { app, token: token.access_token }
}

const b64u = (buf) => Buffer.from(buf).toString('base64url')

// loopbackServer serves handler on 127.0.0.1 (the testnet's instances
// may reach loopback: federation.allow_private_ips = 127.0.0.0/8, which
// the link preview and push clients share).
function loopbackServer (handler) {
  const server = http.createServer(handler)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ server, url: `http://127.0.0.1:${server.address().port}` })
  }))
}

// pushReceiver is a push service of our own: it keeps every POST (body
// and headers) and answers 201 as a push service does.
async function pushReceiver () {
  const received = []
  const { server, url } = await loopbackServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ path: req.url, method: req.method, headers: req.headers, body: Buffer.concat(chunks) })
      res.writeHead(201).end()
    })
  })
  return { server, url, received }
}

// decryptPush opens an aes128gcm Web Push message (RFC 8188 and RFC
// 8291) with the subscription's private key and auth secret, as a
// browser does: header salt(16) rs(4) idlen(1) keyid(the server's
// ephemeral P-256 key), then one record ending with the 0x02 delimiter.
function decryptPush (body, ecdh, authSecret) {
  const salt = body.subarray(0, 16)
  const idlen = body[20]
  const serverKey = body.subarray(21, 21 + idlen)
  const ciphertext = body.subarray(21 + idlen)
  const shared = ecdh.computeSecret(serverKey)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), serverKey])
  const ikm = Buffer.from(crypto.hkdfSync('sha256', shared, authSecret, keyInfo, 32))
  const cek = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16))
  const nonce = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12))
  const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce)
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16))
  let plain = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()])
  let end = plain.length - 1
  while (end >= 0 && plain[end] === 0) end--
  assert.equal(plain[end], 2, 'the last record ends with the 0x02 delimiter')
  plain = plain.subarray(0, end)
  return JSON.parse(plain.toString('utf8'))
}

// checkVAPID verifies the request's VAPID authorization (RFC 8292): the
// JWT is signed (ES256) by the key the instance advertises, for the
// receiver's origin.
function checkVAPID (headers, vapidKey, origin) {
  const m = /^vapid t=([^,]+),\s*k=(.+)$/.exec(headers.authorization || '')
  assert.ok(m, `a VAPID Authorization header: ${headers.authorization}`)
  assert.equal(m[2].replace(/=+$/, ''), vapidKey.replace(/=+$/, ''), 'k= is the instance’s VAPID key')
  const [h, p, sig] = m[1].split('.')
  const raw = Buffer.from(vapidKey, 'base64url')
  const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33, 65)) }, format: 'jwk' })
  assert.ok(crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url')), 'the VAPID JWT is signed by the instance')
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString())
  assert.equal(claims.aud, origin)
  assert.ok(claims.exp * 1000 > Date.now() && claims.sub, 'exp in the future and a sub')
}

// ogSite is a web page with OpenGraph tags and its image, on loopback.
async function ogSite () {
  return loopbackServer((req, res) => {
    if (req.url === '/cover.png') {
      res.writeHead(200, { 'Content-Type': 'image/png' }).end(PNG)
      return
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html><html><head>
<title>not the og title</title>
<meta property="og:title" content="Marché de Villeneuve : on tracte samedi">
<meta property="og:description" content="Rendez-vous à 9h devant la halle.">
<meta property="og:site_name" content="La Gazette locale">
<meta property="og:image" content="/cover.png">
</head><body><p>Article</p></body></html>`)
  })
}

async function eventually (what, fn, ms = 20000) {
  const deadline = Date.now() + ms
  let last
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) { last = err }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`)
}

const hasPython = (mod) => {
  try { execFileSync(PYTHON, ['-c', `import ${mod}`], { stdio: 'ignore' }); return true } catch { return false }
}

describe('Coopol with masto.js, Mastodon.py and toot', { timeout: 5 * 60 * 1000 }, () => {
  let testnet, net, alice, aliceLogin, carolLogin, bobLogin, bob, aliceID, cardStatusID
  const raw = (who, method, p, body) => fetch(new URL(p, net.a.url), {
    method, headers: { Authorization: `Bearer ${who.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined
  })

  before(async () => {
    const started = await startTestnet()
    testnet = started.child
    net = started.info
    const creds = Object.fromEntries(net.users.map((u) => [u.username, u]))
    aliceLogin = await oauthLogin(net.a.url, 'alice', creds.alice.password)
    carolLogin = await oauthLogin(net.a.url, 'carol', creds.carol.password)
    bobLogin = await oauthLogin(net.b.url, 'bob', creds.bob.password)
    alice = createRestAPIClient({ url: net.a.url, accessToken: aliceLogin.token })
    bob = createRestAPIClient({ url: net.b.url, accessToken: bobLogin.token })
    aliceID = (await alice.v1.accounts.verifyCredentials()).id
  })

  after(async () => {
    if (testnet && testnet.exitCode === null) {
      const exited = new Promise((resolve) => testnet.once('exit', resolve))
      testnet.stdin.end()
      testnet.kill('SIGTERM')
      await exited
    }
  })

  it('streams a delete with the id, and polls carry own_votes', async () => {
    const instance = await alice.v2.instance.fetch()
    const streaming = createStreamingAPIClient({ streamingApiUrl: instance.configuration.urls.streaming, accessToken: aliceLogin.token, implementation: WebSocket, log: process.env.MASTO_LOG || 'warn' })
    const sub = streaming.user.subscribe()
    const events = []
    const reader = (async () => { for await (const e of sub) events.push(e) })()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const plain = await alice.v1.statuses.create({ status: 'Éphémère' })
    await alice.v1.statuses.$select(plain.id).remove()
    await eventually('the delete event', () => events.find((e) => e.event === 'delete' && e.payload === plain.id)).catch((err) => { throw new Error(err.message + ' ' + JSON.stringify(events.map((e) => [e.event, e.payload?.id ?? e.payload]))) })
    const st = await alice.v1.statuses.create({ status: 'Sondage', poll: { options: ['Oui', 'Non'], expiresIn: 3600 } })
    assert.deepEqual(st.poll.ownVotes, [], 'own_votes is [] on the viewer’s own poll')
    const home = await alice.v1.timelines.home.list()
    assert.deepEqual(home.find((s) => s.id === st.id).poll.ownVotes, [])
    await alice.v1.statuses.$select(st.id).remove()
    sub.unsubscribe()
    streaming.close()
    await reader.catch(() => {})
  })

  it('edits a status with media: alt text and history', async () => {
    const media = await alice.v2.media.create({ file: new Blob([PNG], { type: 'image/png' }), description: 'tract' })
    const st = await alice.v1.statuses.create({ status: 'Avec image', mediaIds: [media.id] })
    const edited = await alice.v1.statuses.$select(st.id).update({ status: 'Avec image', mediaIds: [media.id], mediaAttributes: [{ id: media.id, description: 'Un tract rouge' }] })
    assert.equal(edited.mediaAttachments[0].description, 'Un tract rouge')
    const history = await alice.v1.statuses.$select(st.id).history.list()
    assert.equal(history.length, 2)
    assert.equal(history[0].mediaAttachments[0].description !== undefined, true)
  })

  it('answers the 4.3 endpoints', async () => {
    const found = await bob.v2.search.list({ q: `@alice@${net.a.host}`, type: 'accounts', resolve: true })
    const remoteAlice = found.accounts.find((a) => a.acct === `alice@${net.a.host}`)
    assert.ok(remoteAlice, 'bob finds alice')
    await bob.v1.accounts.$select(remoteAlice.id).follow()
    const groups = await eventually('the follow notification group', async () => {
      const g = await alice.v2.notifications.list()
      return g.notificationGroups.some((x) => x.type === 'follow') && g
    })
    assert.ok(groups.accounts.length >= 1)
    const policy = await alice.v2.notifications.policy.update({ forNewAccounts: 'filter' })
    assert.equal(policy.forNewAccounts, 'filter')
    await alice.v2.notifications.policy.update({ forNewAccounts: 'accept' })
    assert.ok(Array.isArray(await alice.v1.notifications.requests.list()))
    const st = await alice.v1.statuses.create({ status: 'À lire https://example.org/a' })
    const byID = await (await raw(aliceLogin, 'GET', `/api/v1/statuses?id[]=${st.id}`)).json()
    assert.equal(byID[0].id, st.id)
    const accounts = await (await raw(aliceLogin, 'GET', `/api/v1/accounts?id[]=${aliceID}`)).json()
    assert.equal(accounts[0].id, aliceID)
    const link = await alice.v1.timelines.link.list({ url: 'https://example.org/a' })
    assert.equal(link[0].id, st.id)
  })

  it('reports, filters and scheduled statuses', async () => {
    const carol = (await alice.v1.accounts.lookup({ acct: 'carol' }))
    const report = await alice.v1.reports.create({ accountId: carol.id, comment: 'test' })
    assert.equal(report.targetAccount.id, carol.id)

    const filter = await alice.v2.filters.create({ title: 'Grève', context: ['home'], filterAction: 'warn', keywordsAttributes: [{ keyword: 'grève', wholeWord: true }] })
    assert.equal(filter.keywords.length, 1)
    const v1 = await alice.v1.filters.list()
    assert.deepEqual(v1.map((f) => [f.id, f.phrase, f.wholeWord]), [[filter.keywords[0].id, 'grève', true]], 'v1 filters are the v2 keywords')
    const st = await alice.v1.statuses.create({ status: 'Une grève jeudi' })
    const seen = await alice.v1.statuses.$select(st.id).fetch()
    assert.equal(seen.filtered[0].filter.id, filter.id)
    await alice.v2.filters.$select(filter.id).remove()

    const at = new Date(Date.now() + 3600 * 1000).toISOString()
    const scheduled = await alice.v1.statuses.create({ status: 'Plus tard', scheduledAt: at })
    assert.ok(scheduled.scheduledAt, 'a ScheduledStatus')
    const list = await alice.v1.scheduledStatuses.list()
    assert.equal(list.length, 1)
    await alice.v1.scheduledStatuses.$select(scheduled.id).remove()
  })

  it('Web Push: a subscription made through OAuth receives encrypted mention and favourite', async () => {
    const receiver = await pushReceiver()
    try {
      const ecdh = crypto.createECDH('prime256v1')
      ecdh.generateKeys()
      const authSecret = crypto.randomBytes(16)
      const endpoint = `${receiver.url}/push/alice-${crypto.randomBytes(4).toString('hex')}`
      const created = await alice.v1.push.subscription.create({
        subscription: { endpoint, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(authSecret) } },
        data: { alerts: { mention: true, favourite: true, follow: false }, policy: 'all' }
      })
      const instance = await alice.v2.instance.fetch()
      const vapidKey = instance.configuration.vapid.publicKey
      assert.ok(vapidKey, 'the instance advertises its VAPID key')
      assert.equal(created.endpoint, endpoint)
      assert.equal(created.serverKey, vapidKey)
      const fetched = await alice.v1.push.subscription.fetch()
      assert.equal(fetched.id, created.id)
      assert.equal(fetched.endpoint, endpoint)
      assert.equal(fetched.alerts.mention, true)
      assert.equal(fetched.alerts.favourite, true)
      assert.equal(fetched.alerts.follow, false)
      assert.equal(fetched.policy, 'all')

      // carol, another account, mentions alice then favourites her post.
      const carol = createRestAPIClient({ url: net.a.url, accessToken: carolLogin.token })
      const mention = await carol.v1.statuses.create({ status: '@alice on tracte au marché samedi ?' })
      const mine = await alice.v1.statuses.create({ status: 'Oui, à 9h devant la halle' })
      await carol.v1.statuses.$select(mine.id).favourite()

      const decrypted = await eventually('two pushes', () => receiver.received.length >= 2 && receiver.received)
      const origin = receiver.url
      const payloads = decrypted.map((r) => {
        assert.equal(r.method, 'POST')
        assert.equal(new URL(r.path, origin).href, endpoint, 'sent to the subscription’s endpoint')
        assert.equal(r.headers['content-encoding'], 'aes128gcm')
        assert.ok(Number(r.headers.ttl) > 0, 'a TTL')
        checkVAPID(r.headers, vapidKey, origin)
        assert.ok(!r.body.includes(Buffer.from('on tracte')), 'the body is encrypted')
        return decryptPush(r.body, ecdh, authSecret)
      })
      const notifications = await alice.v1.notifications.list({ types: ['mention', 'favourite'] })
      const byType = Object.fromEntries(payloads.map((p) => [p.notification_type, p]))
      assert.deepEqual(Object.keys(byType).sort(), ['favourite', 'mention'])
      const m = byType.mention
      assert.equal(m.title, 'carol mentioned you')
      assert.match(m.body, /on tracte au marché samedi/)
      assert.equal(m.notification_id, notifications.find((n) => n.type === 'mention' && n.status?.id === mention.id).id)
      assert.ok(m.icon.startsWith('http'), 'an icon URL')
      assert.ok(m.preferred_locale, 'a locale')
      // Coopol keeps only hashes of tokens (U-03): the access_token
      // field is present, as apps expect, and empty (README, Web Push).
      assert.equal(m.access_token, '')
      const f = byType.favourite
      assert.equal(f.title, 'carol favourited your post')
      assert.equal(f.body, 'Oui, à 9h devant la halle')
      assert.equal(f.notification_id, notifications.find((n) => n.type === 'favourite' && n.status?.id === mine.id).id)
      assert.equal(f.access_token, '')

      await alice.v1.push.subscription.remove()
      await assert.rejects(alice.v1.push.subscription.fetch(), /not found/i)
    } finally {
      receiver.server.close()
    }
  })

  it('link previews: a post linking to a page with OpenGraph tags gets a card', async () => {
    const site = await ogSite()
    try {
      const st = await alice.v1.statuses.create({ status: `À lire avant samedi : ${site.url}/article` })
      const withCard = await eventually('the card', async () => {
        const s = await alice.v1.statuses.$select(st.id).fetch()
        return s.card && s
      })
      assert.equal(withCard.card.url, `${site.url}/article`)
      assert.equal(withCard.card.title, 'Marché de Villeneuve : on tracte samedi')
      assert.equal(withCard.card.description, 'Rendez-vous à 9h devant la halle.')
      assert.equal(withCard.card.providerName, 'La Gazette locale')
      assert.equal(withCard.card.type, 'link')
      assert.ok(withCard.card.image && new URL(withCard.card.image).host === net.a.host, 'the thumbnail is served by the instance')
      const card = await alice.v1.statuses.$select(st.id).card.fetch()
      assert.equal(card.title, withCard.card.title)
      const home = await alice.v1.timelines.home.list()
      assert.equal(home.find((s) => s.id === st.id).card.title, withCard.card.title)
      cardStatusID = st.id
    } finally {
      site.server.close()
    }
  })

  it('Mastodon.py: the stream thread survives a delete', { skip: !hasPython('mastodon') && 'python3-mastodon not installed' }, () => {
    const out = execFileSync(PYTHON, [path.join(here, 'mastodon_py_check.py')], {
      env: { ...process.env, COOPOL_BASE: net.a.url, COOPOL_TOKEN: aliceLogin.token }, encoding: 'utf8', timeout: 60000
    })
    assert.match(out, /stream ok/)
  })

  it('Mastodon.py: Web Push decrypted by a receiver of its own, cards and v1 filters', { skip: !hasPython('mastodon') && 'python3-mastodon not installed' }, () => {
    assert.ok(cardStatusID, 'the card test ran first')
    const out = execFileSync(PYTHON, [path.join(here, 'mastodon_py_push_cards.py')], {
      env: { ...process.env, COOPOL_BASE: net.a.url, COOPOL_TOKEN: aliceLogin.token, COOPOL_TOKEN_CAROL: carolLogin.token, COOPOL_CARD_STATUS: cardStatusID },
      encoding: 'utf8', timeout: 90000
    })
    assert.match(out, /cards ok/)
    assert.match(out, /filters v1 ok/)
    assert.match(out, /push ok/)
  })

  it('toot: follow <username> and a timeline with one’s own poll', { skip: !fs.existsSync('/usr/bin/toot') && 'toot not installed' }, async () => {
    await alice.v1.statuses.create({ status: 'Sondage toot', poll: { options: ['A', 'B'], expiresIn: 3600 } })
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'toot-'))
    const instance = net.a.host
    fs.mkdirSync(path.join(dir, 'toot'))
    fs.writeFileSync(path.join(dir, 'toot', 'config.json'), JSON.stringify({
      apps: { [instance]: { instance, base_url: net.a.url, client_id: aliceLogin.app.client_id, client_secret: aliceLogin.app.client_secret } },
      users: { [`alice@${instance}`]: { instance, username: 'alice', access_token: aliceLogin.token } },
      active_user: `alice@${instance}`
    }))
    const env = { ...process.env, XDG_CONFIG_HOME: dir, TERM: 'dumb' }
    const follow = execFileSync('/usr/bin/toot', ['follow', 'carol'], { env, encoding: 'utf8', timeout: 60000 })
    assert.match(follow, /now following carol/)
    const timeline = execFileSync('/usr/bin/toot', ['timeline', '--once'], { env, encoding: 'utf8', timeout: 60000 })
    assert.match(timeline, /Sondage toot/)
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
