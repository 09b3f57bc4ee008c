// Package bench holds Coopol's benchmarks (inbound activities, delivery
// fan-out, API timelines, memory) and the small tools they share: a
// data seeder that fills a database with a realistic volume of statuses
// in one SQL statement per table, and a load generator that drives the
// client API of a running server on loopback. The README's Performance
// section says how to run them and what they measured.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// SeedOptions size the synthetic data set.
type SeedOptions struct {
	// Accounts that post (a quarter local, the rest on 20 remote hosts).
	Accounts int
	// Statuses spread evenly over the accounts, oldest first: 80 % public,
	// 10 % unlisted, 5 % followers-only, 5 % direct; one in ten a reply
	// to the previous status, one in fifty a boost.
	Statuses int
	// FollowEvery: the viewer follows one account in FollowEvery (10 gives
	// 200 followed accounts out of 2,000, so home is a tenth of all posts).
	FollowEvery int
	// Viewer is the username of the local person whose token is minted.
	Viewer string
}

// DefaultSeed is the data set of the README's API figures.
var DefaultSeed = SeedOptions{Accounts: 2000, Statuses: 1_000_000, FollowEvery: 10, Viewer: "viewer"}

// Seeded tells what Seed made.
type Seeded struct {
	Viewer   *model.Account
	Token    string // bearer token of the viewer, scopes "read write follow"
	Statuses int
	Took     map[string]time.Duration // per step: accounts, statuses, follows, analyze
}

// The synthetic ids are fixed-width strings that sort like the ULIDs the
// server makes (and below today's, so new posts stay on top).
const (
	seedAccountPrefix = "01H00000000000" // + 12 digits = 26 characters
	seedFollowPrefix  = "01H0000000000F" // + 12 digits
	seedStatusPrefix  = "01H"            // + 23 digits
	seedFiller        = " Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua."
)

// Seed fills store (migrated, with the instance actors made by cfg) with
// opts' accounts, statuses and follows, creates the viewer and mints its
// token. It uses one INSERT … SELECT per table: a recursive CTE on
// SQLite, generate_series on PostgreSQL.
func Seed(ctx context.Context, cfg config.Config, store *storage.Storage, opts SeedOptions) (*Seeded, error) {
	if opts.Accounts < 1 || opts.Statuses < 1 || opts.FollowEvery < 1 || opts.Viewer == "" {
		return nil, fmt.Errorf("seed: bad options %+v", opts)
	}
	svc := social.New(cfg, store, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := svc.EnsureInstanceActors(ctx); err != nil {
		return nil, err
	}
	u, err := svc.CreateUser(ctx, social.NewUser{Username: opts.Viewer, Email: opts.Viewer + "@example.org",
		Password: "password-" + opts.Viewer, Role: model.RoleMember, Approved: true})
	if err != nil {
		return nil, fmt.Errorf("seed: create viewer: %w", err)
	}
	out := &Seeded{Viewer: u.Account, Statuses: opts.Statuses, Took: map[string]time.Duration{}}
	base := cfg.BaseURL()
	steps := []struct{ name, sqlite, postgres string }{
		{"accounts", seedAccountsSQLite, seedAccountsPostgres},
		{"statuses", seedStatusesSQLite, seedStatusesPostgres},
		{"follows", seedFollowsSQLite, seedFollowsPostgres},
		// Half the statuses carry #velo, for the tag timeline, and the
		// viewer is mentioned in the 60 latest public ones, for the
		// notifications page (side-by-side runs load both).
		{"tags", seedTags, seedTags},
		{"status_tags", seedStatusTags, seedStatusTags},
		{"mentions", seedMentions, seedMentions},
		{"notifications", seedNotifications, seedNotifications},
	}
	for _, step := range steps {
		q := step.sqlite
		if store.Type == "postgres" {
			q = step.postgres
		}
		start := time.Now()
		var args []any
		pg := store.Type == "postgres"
		switch step.name {
		case "accounts":
			if args = []any{opts.Accounts - 1, base, base, base}; pg {
				args = []any{base, base, base, opts.Accounts - 1}
			}
		case "statuses":
			if args = []any{opts.Statuses - 1, opts.Accounts, opts.Accounts, opts.Accounts}; pg {
				args = []any{opts.Accounts, opts.Accounts, opts.Accounts, opts.Statuses - 1}
			}
		case "follows":
			args = []any{opts.Accounts - 1, opts.FollowEvery, u.Account.ID}
		case "mentions", "notifications":
			args = []any{u.Account.ID}
		}
		if _, err := store.DB.ExecContext(ctx, q, args...); err != nil {
			return nil, fmt.Errorf("seed %s: %w", step.name, err)
		}
		out.Took[step.name] = time.Since(start)
	}
	// Fresh statistics, as autovacuum (PostgreSQL) or PRAGMA optimize
	// (SQLite) would give a database that grew over months.
	analyze := "ANALYZE"
	if store.Type == "postgres" {
		analyze = "VACUUM ANALYZE"
	}
	start := time.Now()
	if _, err := store.DB.ExecContext(ctx, analyze); err != nil {
		return nil, fmt.Errorf("seed: analyze: %w", err)
	}
	out.Took["analyze"] = time.Since(start)
	tok, err := MintToken(ctx, store, u.Account, "read write follow")
	if err != nil {
		return nil, err
	}
	out.Token = tok
	return out, nil
}

// MintToken stores an application and a user token for account, as the
// OAuth flow would, and returns the raw bearer token.
func MintToken(ctx context.Context, store *storage.Storage, account *model.Account, scopes string) (string, error) {
	u, err := store.UserByAccountID(ctx, account.ID)
	if err != nil {
		return "", err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	app := &model.OAuthApplication{ID: model.NewID(now), Name: "coopol-load", Website: "https://client.example",
		RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: scopes, ClientID: auth.NewToken(),
		ClientSecretHash: auth.HashToken(auth.NewToken()), CreatedAt: now}
	if err := store.CreateOAuthApplication(ctx, app); err != nil {
		return "", err
	}
	raw := auth.NewToken()
	tok := &model.OAuthToken{ID: model.NewID(now), TokenHash: auth.HashToken(raw), ApplicationID: app.ID, UserID: &u.ID, Scopes: scopes, CreatedAt: now}
	if err := store.CreateOAuthToken(ctx, tok); err != nil {
		return "", err
	}
	return raw, nil
}

// Account a (0-based) is local when a % 4 == 0, else on peer-(a % 20).test.
// Parameters: last index, base URL ×3 (PostgreSQL: base URL ×3, last index).
const seedAccountsSQLite = `
WITH RECURSIVE n(a) AS (SELECT 0 UNION ALL SELECT a + 1 FROM n WHERE a < ?)
INSERT INTO accounts (id, uri, url, username, domain, display_name, inbox_uri, shared_inbox_uri, followers_uri, created_at, updated_at)
SELECT printf('` + seedAccountPrefix + `%012d', a),
       CASE WHEN a % 4 = 0 THEN ? || '/users/user' || a ELSE 'http://peer-' || (a % 20) || '.test/users/user' || a END,
       '', 'user' || a,
       CASE WHEN a % 4 = 0 THEN '' ELSE 'peer-' || (a % 20) || '.test' END,
       'User ' || a,
       CASE WHEN a % 4 = 0 THEN ? || '/users/user' || a || '/inbox' ELSE 'http://peer-' || (a % 20) || '.test/users/user' || a || '/inbox' END,
       CASE WHEN a % 4 = 0 THEN '' ELSE 'http://peer-' || (a % 20) || '.test/inbox' END,
       CASE WHEN a % 4 = 0 THEN ? || '/users/user' || a || '/followers' ELSE 'http://peer-' || (a % 20) || '.test/users/user' || a || '/followers' END,
       '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'
FROM n`

const seedAccountsPostgres = `
INSERT INTO accounts (id, uri, url, username, domain, display_name, inbox_uri, shared_inbox_uri, followers_uri, created_at, updated_at)
SELECT '` + seedAccountPrefix + `' || lpad(a::text, 12, '0'),
       CASE WHEN a % 4 = 0 THEN ?::text || '/users/user' || a ELSE 'http://peer-' || (a % 20) || '.test/users/user' || a END,
       '', 'user' || a,
       CASE WHEN a % 4 = 0 THEN '' ELSE 'peer-' || (a % 20) || '.test' END,
       'User ' || a,
       CASE WHEN a % 4 = 0 THEN ?::text || '/users/user' || a || '/inbox' ELSE 'http://peer-' || (a % 20) || '.test/users/user' || a || '/inbox' END,
       CASE WHEN a % 4 = 0 THEN '' ELSE 'http://peer-' || (a % 20) || '.test/inbox' END,
       CASE WHEN a % 4 = 0 THEN ?::text || '/users/user' || a || '/followers' ELSE 'http://peer-' || (a % 20) || '.test/users/user' || a || '/followers' END,
       TIMESTAMP '2025-01-01 00:00:00', TIMESTAMP '2025-01-01 00:00:00'
FROM generate_series(0, ?::int) AS a`

// Status i is by account i % A, posted 30 s after status i-1 (from
// 2025-11-01). Parameters: last index, A ×3 (PostgreSQL: A ×3, last index).
const seedStatusesSQLite = `
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
INSERT INTO statuses (id, uri, url, account_id, local, content, language, visibility,
                      in_reply_to_id, in_reply_to_account_id, reblog_of_id, thread_id, created_at, updated_at)
SELECT printf('` + seedStatusPrefix + `%023d', i),
       'http://statuses.invalid/' || i, 'http://statuses.invalid/' || i,
       printf('` + seedAccountPrefix + `%012d', i % ?),
       (i % ?) % 4 = 0,
       CASE WHEN i % 50 = 7 AND i >= 5 THEN '' ELSE '<p>Status ' || i || '.` + seedFiller + `</p>' END,
       'fr',
       CASE WHEN i % 50 = 7 THEN 'public' WHEN i % 20 < 16 THEN 'public' WHEN i % 20 < 18 THEN 'unlisted' WHEN i % 20 = 18 THEN 'private' ELSE 'direct' END,
       CASE WHEN i % 10 = 3 THEN printf('` + seedStatusPrefix + `%023d', i - 1) END,
       CASE WHEN i % 10 = 3 THEN printf('` + seedAccountPrefix + `%012d', (i - 1) % ?) END,
       CASE WHEN i % 50 = 7 AND i >= 5 THEN printf('` + seedStatusPrefix + `%023d', i - 5) END,
       printf('` + seedStatusPrefix + `%023d', CASE WHEN i % 10 = 3 THEN i - 1 ELSE i END),
       strftime('%Y-%m-%d %H:%M:%S', '2025-11-01', '+' || (i * 30) || ' seconds') || '+00:00',
       strftime('%Y-%m-%d %H:%M:%S', '2025-11-01', '+' || (i * 30) || ' seconds') || '+00:00'
FROM n`

const seedStatusesPostgres = `
INSERT INTO statuses (id, uri, url, account_id, local, content, language, visibility,
                      in_reply_to_id, in_reply_to_account_id, reblog_of_id, thread_id, created_at, updated_at)
SELECT '` + seedStatusPrefix + `' || lpad(i::text, 23, '0'),
       'http://statuses.invalid/' || i, 'http://statuses.invalid/' || i,
       '` + seedAccountPrefix + `' || lpad((i % ?::int)::text, 12, '0'),
       (i % ?::int) % 4 = 0,
       CASE WHEN i % 50 = 7 AND i >= 5 THEN '' ELSE '<p>Status ' || i || '.` + seedFiller + `</p>' END,
       'fr',
       CASE WHEN i % 50 = 7 THEN 'public' WHEN i % 20 < 16 THEN 'public' WHEN i % 20 < 18 THEN 'unlisted' WHEN i % 20 = 18 THEN 'private' ELSE 'direct' END,
       CASE WHEN i % 10 = 3 THEN '` + seedStatusPrefix + `' || lpad((i - 1)::text, 23, '0') END,
       CASE WHEN i % 10 = 3 THEN '` + seedAccountPrefix + `' || lpad(((i - 1) % ?::int)::text, 12, '0') END,
       CASE WHEN i % 50 = 7 AND i >= 5 THEN '` + seedStatusPrefix + `' || lpad((i - 5)::text, 23, '0') END,
       '` + seedStatusPrefix + `' || lpad((CASE WHEN i % 10 = 3 THEN i - 1 ELSE i END)::text, 23, '0'),
       TIMESTAMP '2025-11-01' + i * INTERVAL '30 seconds',
       TIMESTAMP '2025-11-01' + i * INTERVAL '30 seconds'
FROM generate_series(0, ?::int) AS i`

// The viewer follows account a when a % every = 1. Parameters: last
// account index, every, viewer id.
const seedFollowsSQLite = `
WITH RECURSIVE n(a) AS (SELECT 0 UNION ALL SELECT a + 1 FROM n WHERE a < ?)
INSERT INTO follows (id, account_id, target_account_id, state, created_at, updated_at)
SELECT printf('` + seedFollowPrefix + `%012d', a), v.id, printf('` + seedAccountPrefix + `%012d', a), 'accepted',
       '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'
FROM n, (SELECT ? AS every, ? AS id) AS v WHERE a % v.every = 1 % v.every`

const seedFollowsPostgres = `
INSERT INTO follows (id, account_id, target_account_id, state, created_at, updated_at)
SELECT '` + seedFollowPrefix + `' || lpad(a::text, 12, '0'), v.id, '` + seedAccountPrefix + `' || lpad(a::text, 12, '0'), 'accepted',
       TIMESTAMP '2025-01-01 00:00:00', TIMESTAMP '2025-01-01 00:00:00'
FROM generate_series(0, ?::int) AS a, (SELECT ?::int AS every, ?::text AS id) AS v WHERE a % v.every = 1 % v.every`

// The statements below are the same on both databases.
const (
	seedTagID = "01H0000000000T000000000001"
	seedTags  = `INSERT INTO tags (id, name, created_at) VALUES ('` + seedTagID + `', 'velo', '2025-11-01 00:00:00')`
	// Statuses whose id ends in an even digit carry the tag.
	seedStatusTags = `INSERT INTO status_tags (status_id, tag_id)
SELECT id, '` + seedTagID + `' FROM statuses
WHERE id LIKE '` + seedStatusPrefix + `%' AND reblog_of_id IS NULL AND substr(id, length(id), 1) IN ('0', '2', '4', '6', '8')`
	seedLatestPublic = `SELECT id FROM statuses
WHERE id LIKE '` + seedStatusPrefix + `%' AND reblog_of_id IS NULL AND visibility = 'public'
ORDER BY id DESC LIMIT 60`
	// Parameter: the viewer's id.
	seedMentions = `INSERT INTO status_recipients (status_id, account_id, mentioned)
SELECT s.id, v.id, TRUE FROM statuses AS s, (SELECT ? AS id) AS v WHERE s.id IN (` + seedLatestPublic + `)`
	seedNotifications = `INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at)
SELECT '01H0000000000N' || substr(s.id, length(s.id) - 11), v.id, s.account_id, 'mention', s.id, s.created_at
FROM statuses AS s, (SELECT ? AS id) AS v WHERE s.id IN (` + seedLatestPublic + `)`
)
