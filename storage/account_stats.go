package storage

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// Account counters (issue 17) live in account_stats, one row per account,
// kept by triggers on statuses and follows so that every writer (posting,
// inbound activities, deletes, cascades) updates them in its own
// transaction. Triggers are the one thing SQLite and PostgreSQL write
// differently, so those migrations come in one file per dialect.

//go:embed dialect/*.sql
var dialectFiles embed.FS

// dialectMigrations are migrations written once per database type:
// dialect/<name>.<sqlite|postgres>.sql, statements separated by "--split".
var dialectMigrations = []struct{ name, comment string }{
	{"20261205007001", "account_stats"},
	{"20261206090001", "row_changes"},
	{"20261207100001", "row_changes_tokens"},
	{"20261207100002", "row_changes_pieces"},
	{"20261207100003", "row_changes_per_account"},
	{"20261209100001", "row_changes_timelines"},
	{"20261209100002", "row_changes_notifications"},
	{"20261210100001", "row_changes_polls"},
	{"20261211100001", "row_changes_notify"},
	{"20261212100001", "row_changes_pages"},
}

func (s *Storage) addDialectMigrations(ms *migrate.Migrations) {
	for _, m := range dialectMigrations {
		file := "dialect/" + m.name + "_" + m.comment + "." + s.Type + ".sql"
		ms.Add(migrate.Migration{
			Name: m.name, Comment: m.comment,
			Up: func(ctx context.Context, _ *migrate.Migrator, _ *migrate.Migration) error {
				body, err := dialectFiles.ReadFile(file)
				if err != nil {
					return err
				}
				return s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					for _, stmt := range strings.Split(string(body), "--split\n") {
						if strings.TrimSpace(stmt) == "" {
							continue
						}
						if _, err := tx.ExecContext(ctx, stmt); err != nil {
							return fmt.Errorf("%s: %w", file, err)
						}
					}
					return nil
				})
			},
			Down: func(context.Context, *migrate.Migrator, *migrate.Migration) error { return nil },
		})
	}
}

// AccountStats are the counters of an account entity.
type AccountStats struct {
	Statuses, Followers, Following int
	LastStatusAt                   *time.Time
}

type accountStatsRow struct {
	bun.BaseModel `bun:"table:account_stats"`

	AccountID    string     `bun:"account_id,pk"`
	Statuses     int        `bun:"statuses_count"`
	Followers    int        `bun:"followers_count"`
	Following    int        `bun:"following_count"`
	LastStatusAt *time.Time `bun:"last_status_at"`
}

// AccountStatsByIDs returns, per account, its statuses (direct messages
// excluded), accepted followers and follows, and the time of its last
// status: one indexed read whatever the accounts posted.
func (s *Storage) AccountStatsByIDs(ctx context.Context, ids []string) (map[string]AccountStats, error) {
	out := make(map[string]AccountStats, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	// Every rendered account shows them: kept in the row cache
	// (viewer_cache.go), dropped when a trigger changes them.
	gen, cacheOK := s.syncRowCache(ctx)
	missing := ids
	if cacheOK {
		out, missing = s.rows.cachedStats(ids)
		if len(missing) == 0 {
			return out, nil
		}
	}
	var rows []accountStatsRow
	if err := s.DB.NewSelect().Model(&rows).Where("account_id IN (?)", bun.In(missing)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("account stats: %w", err)
	}
	read := make(map[string]AccountStats, len(rows))
	for _, r := range rows {
		read[r.AccountID] = AccountStats{Statuses: r.Statuses, Followers: r.Followers, Following: r.Following, LastStatusAt: r.LastStatusAt}
		out[r.AccountID] = read[r.AccountID]
	}
	if cacheOK {
		s.rows.putStats(gen, missing, read)
	}
	return out, nil
}

// expectedAccountStats computes every account's counters from the rows
// themselves: what the triggers maintain.
const expectedAccountStats = `SELECT a.id AS account_id,
    (SELECT count(*) FROM statuses s WHERE s.account_id = a.id AND s.visibility <> 'direct') AS statuses_count,
    (SELECT count(*) FROM follows f WHERE f.target_account_id = a.id AND f.state = 'accepted') AS followers_count,
    (SELECT count(*) FROM follows f WHERE f.account_id = a.id AND f.state = 'accepted') AS following_count,
    (SELECT max(s.created_at) FROM statuses s WHERE s.account_id = a.id AND s.visibility <> 'direct') AS last_status_at
FROM accounts a`

// RepairAccountStats recomputes every account's counters and rewrites
// those that drifted (after a manual edit of the database, or a restore
// of a partial backup). It returns how many accounts were corrected.
func (s *Storage) RepairAccountStats(ctx context.Context) (int, error) {
	fixed := 0
	err := s.InTx(ctx, func(tx bun.Tx) error {
		var want []accountStatsRow
		if err := tx.NewRaw(expectedAccountStats).Scan(ctx, &want); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		var have []accountStatsRow
		if err := tx.NewSelect().Model(&have).Scan(ctx); err != nil {
			return fmt.Errorf("read counters: %w", err)
		}
		stored := make(map[string]accountStatsRow, len(have))
		for _, r := range have {
			stored[r.AccountID] = r
		}
		for i := range want {
			w := &want[i]
			h, ok := stored[w.AccountID]
			if ok && h.Statuses == w.Statuses && h.Followers == w.Followers && h.Following == w.Following && sameTime(h.LastStatusAt, w.LastStatusAt) {
				continue
			}
			if !ok && w.Statuses == 0 && w.Followers == 0 && w.Following == 0 {
				continue
			}
			fixed++
			if _, err := tx.NewInsert().Model(w).On("CONFLICT (account_id) DO UPDATE").
				Set("statuses_count = EXCLUDED.statuses_count, followers_count = EXCLUDED.followers_count").
				Set("following_count = EXCLUDED.following_count, last_status_at = EXCLUDED.last_status_at").
				Exec(ctx); err != nil {
				return fmt.Errorf("write counters: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("storage: repair account counters: %w", err)
	}
	return fixed, nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
