// A small, independent ActivityPub server written with Fedify, used by
// Coopol's federation tests (tests/fedify/fedify_test.go drives it).
//
// It listens on loopback (PEER_BIND, default 127.0.0.2, a free port) and
// prints one JSON line {"url","host"} on standard output when ready. Its
// actors: "fred" (a Person) and "instance" (its instance actor, an
// Application, which signs the peer's fetches). Fedify verifies the HTTP
// signature of every activity it receives; the peer records what Fedify
// parsed and the raw JSON. Fetches of fred are allowed only when signed by
// an actor that WebFingers back to itself (as GoToSocial requires).
//
// Control endpoints (loopback test driver only):
//   POST /control/follow {"handle":"user@host"}  WebFinger, fetch, Follow
//   POST /control/post   {"content":"<p>…</p>"}  fred posts to his followers
//   POST /control/fetch  {"url":"…"}             fetch signed as the instance actor
//   GET  /control/state                          what happened so far
//
// Without TLS on loopback, WebFinger of acct: handles goes over plain HTTP
// (Fedify's lookupWebFinger always uses https for acct:), with the same
// checks: subject, and a self link typed application/activity+json.
import http from "node:http";
import { Temporal } from "@js-temporal/polyfill";
import { createFederation, generateCryptoKeyPair, MemoryKvStore } from "@fedify/fedify";
import {
  Accept, Announce, Application, Create, Delete, Endpoints, Follow, Note, Person,
  PUBLIC_COLLECTION, Update,
} from "@fedify/vocab";

const bind = process.env.PEER_BIND || "127.0.0.2";
const state = {
  received: [],       // activities Fedify verified and handed to a listener
  signedGets: [],     // signed fetches of fred: signer, webfingerOk
  refusedGets: [],    // why a fetch of fred was refused
  following: {},      // followee id -> "pending" | "accepted"
  followers: [],      // actor ids following fred
  errors: [],         // listener errors
};
const raw = new Map();  // activity id -> raw JSON as received
const notes = new Map(); // id -> Note, served to who asks
const keys = {};
for (const id of ["fred", "instance"]) keys[id] = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");

const federation = createFederation({
  kv: new MemoryKvStore(),
  allowPrivateAddress: true, // loopback test network only
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (!keys[identifier]) return null;
    const pairs = await ctx.getActorKeyPairs(identifier);
    const common = {
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: pairs[0].cryptographicKey,
      assertionMethods: pairs.map((p) => p.multikey),
      url: ctx.getActorUri(identifier),
    };
    if (identifier === "instance") {
      return new Application({ ...common, name: "Fedify peer", manuallyApprovesFollowers: true });
    }
    return new Person({ ...common, name: "Fred (Fedify)", summary: "A Fedify test peer" });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) => (keys[identifier] ? [keys[identifier]] : []))
  .authorize(async (ctx, identifier) => {
    // The instance actor is public: others must verify our signatures.
    if (identifier === "instance") return true;
    const owner = await ctx.getSignedKeyOwner({ documentLoader: await ctx.getDocumentLoader({ identifier: "instance" }) });
    if (owner == null) {
      state.refusedGets.push("unsigned or unverifiable fetch of " + identifier);
      return false;
    }
    const handle = `${owner.preferredUsername}@${owner.id.host}`;
    let self = null;
    try {
      self = await webfinger(handle);
    } catch (e) {
      state.refusedGets.push(`${owner.id.href}: webfinger ${handle}: ${e.message}`);
      return false;
    }
    const ok = self === owner.id.href;
    state.signedGets.push({ signer: owner.id.href, handle, webfingerOk: ok });
    if (!ok) state.refusedGets.push(`${owner.id.href}: ${handle} points to ${self}`);
    return ok;
  });

federation.setOutboxDispatcher("/users/{identifier}/outbox", async () => ({ items: [] }));

federation.setObjectDispatcher(Note, "/notes/{id}", async (ctx, values) => notes.get(ctx.getObjectUri(Note, values).href) ?? null);

// What Fedify parsed of an object, for the driver's checks.
function describe(obj) {
  if (obj == null) return null;
  return {
    class: obj.constructor.name,
    id: obj.id?.href ?? null,
    name: obj.name?.toString() ?? null,
    content: obj.content?.toString() ?? null,
    summary: obj.summary?.toString() ?? null,
    attributedTo: obj.attributionId?.href ?? null,
    startTime: obj.startTime?.toString() ?? null,
  };
}

async function record(ctx, activity, object) {
  const entry = {
    type: activity.constructor.name,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object,
    raw: raw.get(activity.id?.href) ?? null,
  };
  state.received.push(entry);
  return entry;
}

async function instanceLoader(ctx) {
  return await ctx.getDocumentLoader({ identifier: "instance" });
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    const follower = await follow.getActor({ documentLoader: await instanceLoader(ctx) });
    await record(ctx, follow, { id: follow.objectId?.href ?? null });
    if (follower == null || follow.objectId?.href !== ctx.getActorUri("fred").href) return;
    if (!state.followers.includes(follower.id.href)) state.followers.push(follower.id.href);
    await ctx.sendActivity({ identifier: "fred" }, follower, new Accept({
      id: new URL(`${ctx.origin}/accepts/${crypto.randomUUID()}`),
      actor: ctx.getActorUri("fred"),
      object: follow,
    }));
  })
  .on(Accept, async (ctx, accept) => {
    // The embedded Follow is ours (another origin than the Accept's):
    // trusted only when its id is on our origin.
    const inner = await accept.getObject({ documentLoader: await instanceLoader(ctx), crossOrigin: "trust" });
    if (inner?.id?.origin !== ctx.origin) {
      state.errors.push(`accept ${accept.id?.href} embeds a Follow that is not ours`);
      return;
    }
    await record(ctx, accept, describe(inner));
    if (inner instanceof Follow && inner.objectId && accept.actorId?.href === inner.objectId.href) {
      state.following[inner.objectId.href] = "accepted";
    }
  })
  .on(Create, async (ctx, create) => {
    const obj = await create.getObject({ documentLoader: await instanceLoader(ctx) });
    await record(ctx, create, describe(obj));
  })
  .on(Update, async (ctx, update) => {
    const obj = await update.getObject({ documentLoader: await instanceLoader(ctx) });
    await record(ctx, update, describe(obj));
  })
  .on(Delete, async (ctx, del) => {
    await record(ctx, del, { id: del.objectId?.href ?? null });
  })
  .on(Announce, async (ctx, announce) => {
    // A boost names the object: fetch it from its origin, signed by our
    // instance actor.
    let obj = null;
    try {
      obj = await announce.getObject({ documentLoader: await instanceLoader(ctx) });
    } catch (e) {
      state.errors.push(`announce ${announce.id?.href}: fetching its object: ${e.message}`);
    }
    await record(ctx, announce, describe(obj));
  })
  .onError(async (_ctx, error) => {
    const msg = String(error?.message ?? error).split("\n")[0];
    if (!state.errors.includes(msg)) state.errors.push(msg);
  });

// webfinger resolves user@host over HTTP (see the header comment) and
// returns the self link's href.
async function webfinger(handle) {
  const [user, host] = handle.replace(/^@/, "").split("@");
  const resource = `acct:${user}@${host}`;
  const res = await fetch(`http://${host}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`,
    { headers: { Accept: "application/jrd+json" } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const jrd = await res.json();
  if (jrd.subject !== resource) throw new Error(`subject ${jrd.subject} is not ${resource}`);
  const self = (jrd.links || []).find((l) => l.rel === "self" &&
    (l.type === "application/activity+json" || (l.type || "").startsWith("application/ld+json")));
  if (!self) throw new Error("no self link");
  return self.href;
}

async function control(ctx, path, body) {
  switch (path) {
    case "/control/state":
      return state;
    case "/control/follow": {
      const href = await webfinger(body.handle);
      const actor = await ctx.lookupObject(href, { documentLoader: await instanceLoader(ctx) });
      if (actor == null || actor.id?.href !== href) throw new Error(`${href} did not resolve to itself`);
      state.following[href] = "pending";
      await ctx.sendActivity({ identifier: "fred" }, actor, new Follow({
        id: new URL(`${ctx.origin}/follows/${crypto.randomUUID()}`),
        actor: ctx.getActorUri("fred"),
        object: actor.id,
      }));
      return { actor: href };
    }
    case "/control/post": {
      const id = ctx.getObjectUri(Note, { id: crypto.randomUUID() });
      const note = new Note({
        id, attribution: ctx.getActorUri("fred"), content: body.content,
        to: PUBLIC_COLLECTION, published: Temporal.Now.instant(), url: id,
      });
      notes.set(id.href, note);
      const recipients = [];
      for (const f of state.followers) {
        recipients.push(await ctx.lookupObject(f, { documentLoader: await instanceLoader(ctx) }));
      }
      await ctx.sendActivity({ identifier: "fred" }, recipients, new Create({
        id: new URL(`${id.href}/activity`), actor: ctx.getActorUri("fred"), object: note, to: PUBLIC_COLLECTION,
      }));
      return { id: id.href, recipients: recipients.length };
    }
    case "/control/fetch": {
      const loader = await instanceLoader(ctx);
      const doc = await loader(body.url);
      return { document: doc.document };
    }
  }
  throw new Error(`unknown control ${path}`);
}

function toHeaders(nodeHeaders) {
  const h = new Headers();
  for (const [k, v] of Object.entries(nodeHeaders)) {
    for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
  }
  return h;
}

const server = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, `http://${req.headers.host}`);
    if (url.pathname.startsWith("/control/")) {
      const ctx = federation.createContext(new URL(`http://${req.headers.host}/`), undefined);
      try {
        const out = await control(ctx, url.pathname, body.length ? JSON.parse(body) : {});
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(out));
      } catch (e) {
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: String(e?.stack ?? e) }));
      }
      return;
    }
    if (req.method === "POST") {
      try {
        const j = JSON.parse(body);
        if (typeof j.id === "string") raw.set(j.id, j);
      } catch { /* Fedify answers malformed bodies */ }
    }
    const request = new Request(url, {
      method: req.method, headers: toHeaders(req.headers),
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    const response = await federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("not found", { status: 404 }),
      onNotAcceptable: () => new Response("not acceptable", { status: 406 }),
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (e) {
    state.errors.push(String(e?.stack ?? e));
    res.writeHead(500);
    res.end();
  }
});

server.listen(0, bind, () => {
  const { address, port } = server.address();
  const host = `${address}:${port}`;
  process.stdout.write(JSON.stringify({ url: `http://${host}`, host }) + "\n");
});
// Stop when the driver goes away.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
