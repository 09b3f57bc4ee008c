// Coopol's Mastodon client API as a real client library sees it:
// megalodon (the library behind Whalebird and others) against two local
// instances started by cmd/coopol-testnet. Run with ./run.sh, or
// `node --test` here after `npm ci`. COOPOL_TESTNET_BIN names a built
// coopol-testnet; without it the test uses `go run` from the repository.
'use strict'

const { describe, it, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const http = require('node:http')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')

const megalodon = require('megalodon')
const generator = megalodon.default

const repoRoot = path.resolve(__dirname, '..', '..')
const SCOPES = ['read', 'write', 'follow']

// ---- The two instances ----

let testnet // child process
let net // what coopol-testnet printed

function startTestnet () {
  const bin = process.env.COOPOL_TESTNET_BIN
  const child = bin
    ? spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn('go', ['run', './cmd/coopol-testnet'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('coopol-testnet did not start within 5 minutes')), 5 * 60 * 1000)
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`coopol-testnet exited early (${code})`)))
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer)
      resolve({ child, info: JSON.parse(line) })
    })
  })
}

function stopTestnet (child) {
  if (!child || child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve() }, 20000)
    child.once('exit', () => { clearTimeout(timer); resolve() })
    child.stdin.end() // coopol-testnet stops when its standard input closes (also under `go run`)
    child.kill('SIGTERM')
  })
}

// ---- OAuth: the real authorization-code flow, as a person would ----

// A local redirect_uri that receives the authorization code.
function callbackServer () {
  return new Promise((resolve) => {
    let deliver
    const code = new Promise((resolve) => { deliver = resolve })
    const server = http.createServer((req, res) => {
      const u = new URL(req.url, 'http://127.0.0.1')
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end('You may close this window.')
      if (u.pathname === '/cb') deliver({ code: u.searchParams.get('code'), error: u.searchParams.get('error') })
    })
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}/cb`, code, close: () => server.close() })
    })
  })
}

function decodeEntities (s) {
  return s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

// The hidden fields of the authorization form.
function hiddenFields (html) {
  const form = html.match(/<form[^>]*action="\/oauth\/authorize"[\s\S]*?<\/form>/)
  assert.ok(form, 'the authorization page has a login form')
  const fields = {}
  for (const input of form[0].matchAll(/<input\b[^>]*>/g)) {
    const tag = input[0]
    if (!/type="hidden"/.test(tag)) continue
    const name = tag.match(/name="([^"]*)"/)
    const value = tag.match(/value="([^"]*)"/)
    if (name) fields[decodeEntities(name[1])] = value ? decodeEntities(value[1]) : ''
  }
  return fields
}

// login registers an application with megalodon, signs in through
// /oauth/authorize (form, CSRF token and its cookie, redirect to a local
// redirect_uri) and exchanges the code with megalodon: an API client.
async function login (baseUrl, username, password) {
  const cb = await callbackServer()
  try {
    const anonymous = generator('mastodon', baseUrl) // explicit driver: detection does not know "coopol"
    const app = await anonymous.registerApp('Coopol compat', { scopes: SCOPES, redirect_uris: cb.url, website: 'https://example.org' })
    assert.ok(app.client_id && app.client_secret && app.url, 'POST /api/v1/apps answered an application')

    const page = await fetch(app.url)
    assert.equal(page.status, 200, 'GET /oauth/authorize shows the login page')
    const cookie = (page.headers.getSetCookie?.() || [page.headers.get('set-cookie')])
      .filter(Boolean).map((c) => c.split(';')[0]).join('; ')
    const fields = hiddenFields(await page.text())
    assert.ok(fields.csrf_token, 'the form carries a CSRF token')
    assert.equal(fields.redirect_uri, cb.url)

    const body = new URLSearchParams({ ...fields, login: username, password, decision: 'allow' })
    const answer = await fetch(new URL('/oauth/authorize', baseUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
      body,
      redirect: 'manual'
    })
    assert.equal(answer.status, 302, `POST /oauth/authorize redirects (got ${answer.status}: ${answer.status === 302 ? '' : await answer.text()})`)
    const location = answer.headers.get('location')
    assert.ok(location.startsWith(cb.url + '?'), `redirect to the redirect_uri, got ${location}`)
    await fetch(location) // the browser follows the redirect to the client
    const { code, error } = await cb.code
    assert.ok(code, `an authorization code (error: ${error})`)

    const token = await anonymous.fetchAccessToken(app.client_id, app.client_secret, code, cb.url)
    assert.ok(token.access_token, 'POST /oauth/token answered an access token')
    return generator('mastodon', baseUrl, token.access_token)
  } finally {
    cb.close()
  }
}

// ---- Small helpers ----

// events collects a megalodon streaming client's events.
function listen (stream) {
  const seen = []
  const waiters = []
  const push = (event, data) => {
    seen.push({ event, data })
    for (const w of [...waiters]) {
      if (w.pred(event, data)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(data)
      }
    }
  }
  for (const name of ['update', 'notification', 'delete', 'status_update', 'conversation']) {
    stream.on(name, (data) => push(name, data))
  }
  stream.on('error', (err) => push('error', err))
  return {
    stream,
    seen,
    connected: new Promise((resolve) => stream.once('connect', resolve)),
    waitFor (what, pred, ms = 20000) {
      const hit = seen.find((s) => pred(s.event, s.data))
      if (hit) return Promise.resolve(hit.data)
      return new Promise((resolve, reject) => {
        const w = { pred, resolve }
        waiters.push(w)
        setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1)
          reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(seen.map((s) => s.event))}`))
        }, ms)
      })
    }
  }
}

async function eventually (what, fn, ms = 20000) {
  const deadline = Date.now() + ms
  let last
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`)
}

// httpStatus of a megalodon (axios) error.
const httpStatus = (err) => err?.response?.status

// A 1×1 PNG, for the media upload.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

// ---- The suite ----

describe('Coopol with megalodon (Mastodon driver)', { timeout: 10 * 60 * 1000 }, () => {
  let alice, bob // megalodon clients, alice on instance a, bob on b
  let aliceStream, bobStream
  let post // alice's first status

  before(async () => {
    ({ child: testnet, info: net } = await startTestnet())
  })

  after(async () => {
    aliceStream?.stream.stop()
    bobStream?.stream.stop()
    await stopTestnet(testnet)
  })

  it('server detection (informational: the driver is chosen explicitly)', async (t) => {
    try {
      t.diagnostic(`megalodon.detector says: ${await megalodon.detector(net.a.url)}`)
    } catch (err) {
      t.diagnostic(`megalodon.detector refuses the server: ${err.message}`)
    }
  })

  it('logs in through the OAuth authorization-code flow', async () => {
    const creds = Object.fromEntries(net.users.map((u) => [u.username, u]))
    alice = await login(net.a.url, 'alice', creds.alice.password)
    bob = await login(net.b.url, 'bob', creds.bob.password)
  })

  it('reads the instance and verifies credentials', async () => {
    const instance = await alice.getInstance()
    assert.match(instance.data.version, /^4\.\d+\.\d+/)
    assert.ok(instance.data.urls?.streaming_api, 'v1 instance names the streaming URL')
    const me = await alice.verifyAccountCredentials()
    assert.equal(me.data.username, 'alice')
    assert.equal(me.data.acct, 'alice')
  })

  it('posts a status', async () => {
    const res = await alice.postStatus('Hello from megalodon #compat', { visibility: 'public' })
    post = res.data
    assert.ok(post.id)
    assert.match(post.content, /Hello from megalodon/)
    assert.equal(post.visibility, 'public')
    assert.equal(post.account.username, 'alice')
  })

  it('posts a status with media', async (t) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coopol-compat-')), 'dot.png')
    fs.writeFileSync(file, PNG)
    let media
    try {
      media = (await alice.uploadMedia(fs.createReadStream(file), { description: 'a dot' })).data
    } catch (err) {
      if (httpStatus(err) === 404) {
        // TODO(media): POST /api/v2/media is not routed yet (media/ is in progress); un-skip once it is.
        t.skip('TODO: the media API (POST /api/v2/media) is not implemented yet')
        return
      }
      throw err
    }
    const media2 = await eventually('media to be processed', async () => {
      const m = (await alice.getMedia(media.id)).data
      return m.url ? m : null
    })
    const res = await alice.postStatus('A picture', { media_ids: [media2.id] })
    assert.equal(res.data.media_attachments.length, 1)
    assert.equal(res.data.media_attachments[0].description, 'a dot')
  })

  it('posts a poll', async (t) => {
    let res
    try {
      res = await alice.postStatus('Meet on Saturday?', { poll: { options: ['yes', 'no'], expires_in: 3600 } })
    } catch (err) {
      if (httpStatus(err) === 422 && /poll/i.test(JSON.stringify(err.response?.data))) {
        // TODO(polls): the API refuses polls; un-skip once POST /api/v1/statuses takes poll[].
        t.skip(`TODO: polls are not supported yet (${JSON.stringify(err.response.data)})`)
        return
      }
      throw err
    }
    const poll = res.data.poll
    assert.ok(poll, 'the status carries its poll')
    assert.deepEqual(poll.options.map((o) => o.title), ['yes', 'no'])
    const again = await alice.getPoll(poll.id)
    assert.equal(again.data.id, poll.id)
    assert.equal(again.data.expired, false)
  })

  it('reads the home and public timelines', async () => {
    const home = await alice.getHomeTimeline({ limit: 20 })
    assert.ok(home.data.some((s) => s.id === post.id), 'own post in home')
    const local = await alice.getPublicTimeline({ only_media: false, local: true })
    assert.ok(local.data.some((s) => s.id === post.id), 'own public post in the local timeline')
    const tag = await alice.getTagTimeline('compat')
    assert.ok(tag.data.some((s) => s.id === post.id), 'post in its hashtag timeline')
  })

  it('follows an account on the other instance and the follow arrives over streaming', async () => {
    bobStream = listen(await bob.userStreaming())
    await bobStream.connected
    const handle = `@bob@${net.b.host}`
    const found = await alice.search(handle, { type: 'accounts', resolve: true })
    const remote = found.data.accounts.find((a) => a.acct === `bob@${net.b.host}`)
    assert.ok(remote, `search resolves ${handle} (got ${JSON.stringify(found.data.accounts.map((a) => a.acct))})`)
    const rel = await alice.followAccount(remote.id)
    assert.ok(rel.data.following || rel.data.requested)
    const n = await bobStream.waitFor('the follow notification on bob\'s stream',
      (event, data) => event === 'notification' && data.type === 'follow')
    assert.equal(n.account.acct, `alice@${net.a.host}`)
    await eventually('the follow to be accepted', async () =>
      (await alice.getRelationship(remote.id)).data.following)
  })

  it('a remote follow and a remote post arrive over alice\'s stream', async () => {
    aliceStream = listen(await alice.userStreaming())
    await aliceStream.connected
    // Handles with a port (@alice@127.0.0.1:PORT) resolve in search, but
    // text.Format links mentions of domain names only: the remote
    // notification here is a follow, not a mention.
    const found = await bob.search(`@alice@${net.a.host}`, { type: 'accounts', resolve: true })
    const remote = found.data.accounts.find((a) => a.acct === `alice@${net.a.host}`)
    assert.ok(remote, 'bob resolves alice')
    await bob.followAccount(remote.id)
    const n = await aliceStream.waitFor('the follow notification on alice\'s stream',
      (event, data) => event === 'notification' && data.type === 'follow')
    assert.equal(n.account.acct, `bob@${net.b.host}`)
    const res = await bob.postStatus('Welcome to the network, alice!')
    const upd = await aliceStream.waitFor('bob\'s post in alice\'s home stream',
      (event, data) => event === 'update' && data.account.acct === `bob@${net.b.host}` && /Welcome/.test(data.content))
    assert.equal(upd.uri, res.data.uri)
  })

  it('edits a status', async () => {
    const res = await alice.editStatus(post.id, { status: 'Hello again from megalodon #compat (edited)' })
    assert.match(res.data.content, /edited/)
    assert.ok(res.data.edited_at, 'edited_at is set')
    const upd = await aliceStream.waitFor('status.update on alice\'s stream',
      (event, data) => event === 'status_update' && data.id === post.id)
    assert.match(upd.content, /edited/)
  })

  it('deletes a status', async () => {
    await alice.deleteStatus(post.id)
    await aliceStream.waitFor('delete on alice\'s stream', (event, data) => event === 'delete' && String(data) === post.id)
    await assert.rejects(alice.getStatus(post.id), (err) => httpStatus(err) === 404)
  })
})
