// Coopol's Mastodon client API through masto.js (the library behind
// Elk and Phanpy) against the two loopback instances of
// cmd/coopol-testnet, and, when installed (run.sh installs them from
// Debian), Mastodon.py and toot driven with tokens obtained through the
// real OAuth authorization-code flow. Issue 15: streaming delete, polls
// with own_votes, the 4.3 endpoints, edit with media, reports, filters,
// scheduled statuses, and toot's `follow <username>`.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
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
    body: JSON.stringify({ client_name: 'Coopol compat (masto.js)', redirect_uris: redirect, scopes: 'read write follow' })
  })
  const app = await appRes.json()
  assert.ok(app.client_id, 'POST /api/v1/apps answered an application')
  const authorize = new URL('/oauth/authorize', baseUrl)
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: redirect, scope: 'read write follow' })
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
  let testnet, net, alice, aliceLogin, carolLogin, bobLogin, bob, aliceID
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

  it('Mastodon.py: the stream thread survives a delete', { skip: !hasPython('mastodon') && 'python3-mastodon not installed' }, () => {
    const out = execFileSync(PYTHON, [path.join(here, 'mastodon_py_check.py')], {
      env: { ...process.env, COOPOL_BASE: net.a.url, COOPOL_TOKEN: aliceLogin.token }, encoding: 'utf8', timeout: 60000
    })
    assert.match(out, /stream ok/)
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
