package main

// `coopol admin backup` and `coopol admin restore` (issue 9). On SQLite
// coopol does it itself: VACUUM INTO writes a consistent copy while the
// server keeps running (it reads one snapshot; writers are not blocked
// in WAL mode). On PostgreSQL the tools are PostgreSQL's own, and the
// commands print how to use them (see README, "Backups").

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/storage"
)

type (
	configLoader = func() (config.Config, *slog.Logger, error)
	storeOpener  = func(context.Context, config.Config) (*storage.Storage, error)
)

// errPostgresManual stops a backup or restore on PostgreSQL with a
// non-zero exit, so that a cron job does not believe a backup was made.
var errPostgresManual = errors.New("coopol does not back up or restore PostgreSQL itself: run the commands above")

// openConfigured reads the configuration and opens (and migrates) its
// database: what every command that works on the data starts with.
func openConfigured(ctx context.Context, load configLoader, openStore storeOpener) (config.Config, *slog.Logger, *storage.Storage, error) {
	cfg, log, err := load()
	if err != nil {
		return cfg, nil, nil, err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return cfg, nil, nil, err
	}
	return cfg, log, store, nil
}

func newBackupCommand(load configLoader) *cobra.Command {
	var output string
	var force bool
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Write a consistent copy of the database (SQLite), or show the pg_dump command (PostgreSQL)",
		Long: `Write a consistent copy of the SQLite database to --output while the
server may keep running (VACUUM INTO reads one snapshot of the database).
The copy holds members' personal data and the instance's keys: it is
written readable by its owner only; keep it somewhere as safe.

Uploaded media live in media.path, outside the database: copy that folder
too (rsync, tar).

On PostgreSQL this prints the pg_dump command to run and exits with an
error, so that a scheduled job notices that no backup was written.`,
		Example: `  coopol admin backup --output /var/backups/coopol-$(date +%F).db`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := load()
			if err != nil {
				return err
			}
			if cfg.Database.Type == "postgres" {
				printPostgresInstructions(cmd.OutOrStdout(), cfg.Database.Address, output, "")
				return errPostgresManual
			}
			size, err := backupSQLite(cmd.Context(), cfg.Database, output, force)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup written to %s (%d bytes)\nmedia files are not in it: copy %s too\n", output, size, cfg.Media.Path)
			return nil
		},
	}
	cmd.Flags().StringVar(&output, "output", "", "file to write the copy to")
	cmd.Flags().BoolVar(&force, "force", false, "replace --output if it exists")
	cmd.MarkFlagRequired("output") //nolint:errcheck
	return cmd
}

func newRestoreCommand(load configLoader, openStore storeOpener) *cobra.Command {
	var input string
	var force bool
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Replace the database by a backup (SQLite), or show the pg_restore command (PostgreSQL)",
		Long: `Replace the SQLite database (database.address) by a copy written by
"coopol admin backup", then bring its schema up to date (a backup made by
an older version is migrated).

Stop the server first. A database that holds accounts (any database a
server has run on) is not replaced unless --force is given; it is then kept
beside the new one as <database>.before-restore-<time>, with its -wal and
-shm files.

On PostgreSQL this prints the pg_restore command to run and exits with an
error.`,
		Example: `  coopol admin restore --input /var/backups/coopol-2026-11-24.db`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := load()
			if err != nil {
				return err
			}
			if cfg.Database.Type == "postgres" {
				printPostgresInstructions(cmd.OutOrStdout(), cfg.Database.Address, "", input)
				return errPostgresManual
			}
			aside, err := restoreSQLite(cmd.Context(), cfg, input, force, openStore)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "database %s restored from %s and migrated\n", cfg.Database.Address, input)
			if aside != "" {
				fmt.Fprintf(out, "the database it replaced is kept as %s: delete it once you are sure\n", aside)
			}
			fmt.Fprintf(out, "media files are not in the backup: restore %s from your copy of it\n", cfg.Media.Path)
			return nil
		},
	}
	cmd.Flags().StringVar(&input, "input", "", "backup file to restore")
	cmd.Flags().BoolVar(&force, "force", false, "replace a database that holds data")
	cmd.MarkFlagRequired("input") //nolint:errcheck
	return cmd
}

// backupSQLite copies the database at cfg.Address to output.
func backupSQLite(ctx context.Context, cfg config.Database, output string, force bool) (int64, error) {
	if _, err := os.Stat(cfg.Address); err != nil {
		return 0, fmt.Errorf("database %s: %w", cfg.Address, err) // do not create an empty one
	}
	if _, err := os.Stat(output); err == nil && !force {
		return 0, fmt.Errorf("%s exists: choose another file, or add --force to replace it", output)
	}
	store, err := storage.Open(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	tmp, err := emptyFileBeside(output, ".coopol-backup-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp) //nolint:errcheck // gone after the rename
	if _, err := store.DB.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err := checkSQLiteBackup(ctx, tmp); err != nil {
		return 0, fmt.Errorf("backup: the copy does not check out: %w", err)
	}
	if err := syncAndRename(tmp, output); err != nil {
		return 0, err
	}
	st, err := os.Stat(output)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// restoreSQLite replaces cfg's database by input and migrates it. It
// returns where the replaced database was kept ("" if there was none).
func restoreSQLite(ctx context.Context, cfg config.Config, input string, force bool, openStore storeOpener) (string, error) {
	target := cfg.Database.Address
	absIn, err1 := filepath.Abs(input)
	absTarget, err2 := filepath.Abs(target)
	if err := errors.Join(err1, err2); err != nil {
		return "", err
	}
	if absIn == absTarget {
		return "", fmt.Errorf("%s is the database itself", input)
	}
	if err := checkSQLiteBackup(ctx, input); err != nil {
		return "", fmt.Errorf("%s is not a Coopol backup: %w", input, err)
	}
	accounts, err := countAccounts(ctx, target)
	if err != nil {
		return "", err
	}
	if accounts > 0 && !force {
		// A database a server has run on always holds accounts (the
		// instance and section actors): this also stops a restore under
		// a running server.
		return "", fmt.Errorf("database %s is not empty (%d accounts): stop the server, then add --force to replace it (it will be kept aside)", target, accounts)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
		return "", err
	}
	tmp, err := emptyFileBeside(target, ".coopol-restore-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp) //nolint:errcheck
	src, err := sql.Open("sqlite", readOnlyDSN(input))
	if err != nil {
		return "", err
	}
	_, err = src.ExecContext(ctx, "VACUUM INTO ?", tmp)
	src.Close()
	if err != nil {
		return "", fmt.Errorf("restore: copy %s: %w", input, err)
	}
	aside := ""
	if _, err := os.Stat(target); err == nil {
		aside = target + ".before-restore-" + time.Now().Format("20060102-150405")
		// The WAL and shared-memory files belong to the old database: a
		// stale WAL beside the new file would be replayed into it.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(target+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("restore: keep the old database aside: %w", err)
			}
		}
	}
	if err := syncAndRename(tmp, target); err != nil {
		return aside, err
	}
	store, err := openStore(ctx, cfg) // migrates
	if err != nil {
		return aside, fmt.Errorf("restore: the restored database does not migrate: %w", err)
	}
	return aside, store.Close()
}

func readOnlyDSN(path string) string {
	return "file:" + path + "?mode=ro&_pragma=busy_timeout(10000)"
}

// checkSQLiteBackup opens path read-only: it must pass SQLite's quick
// check and hold Coopol's schema.
func checkSQLiteBackup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", readOnlyDSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&result); err != nil {
		return err
	}
	if result != "ok" {
		return fmt.Errorf("quick_check: %s", result)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('coopol_migrations', 'accounts')").Scan(&n); err != nil {
		return err
	}
	if n != 2 {
		return errors.New("no Coopol tables in it")
	}
	return nil
}

// countAccounts reports how many accounts the database at path holds: 0
// when it does not exist or has no schema yet.
func countAccounts(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	// Read-write, although it only reads: the last connection to a WAL
	// database then tidies its -wal and -shm files away on close, which a
	// read-only one cannot do.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var tables, accounts int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'accounts'").Scan(&tables); err != nil {
		return 0, fmt.Errorf("database %s: %w", path, err)
	}
	if tables == 0 {
		return 0, nil
	}
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM accounts").Scan(&accounts)
	return accounts, err
}

// emptyFileBeside creates an empty file, readable by its owner only, in
// the folder of path (so that the final rename stays on one file system).
func emptyFileBeside(path, pattern string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), pattern)
	if err != nil {
		return "", err
	}
	name := f.Name()
	if err := errors.Join(f.Chmod(0o600), f.Close()); err != nil {
		os.Remove(name) //nolint:errcheck
		return "", err
	}
	return name, nil
}

func syncAndRename(tmp, final string) error {
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	err = errors.Join(f.Sync(), f.Close())
	if err != nil {
		return err
	}
	return os.Rename(tmp, final)
}

// printPostgresInstructions shows the documented pg_dump / pg_restore
// commands. The DSN is shown without its password, which pg_dump and
// pg_restore then read from ~/.pgpass or PGPASSWORD.
func printPostgresInstructions(w io.Writer, dsn, output, input string) {
	shown := "$COOPOL_DATABASE_ADDRESS"
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		shown = shellQuote(u.String())
	}
	outArg, inArg := "coopol-$(date +%F).dump", "coopol-YYYY-MM-DD.dump"
	if output != "" {
		outArg = shellQuote(output)
	}
	if input != "" {
		inArg = shellQuote(input)
	}
	fmt.Fprintf(w, `The database is PostgreSQL: back it up with pg_dump (the server may keep
running), restore it with pg_restore (server stopped). The password is not
shown: pg_dump and pg_restore read it from ~/.pgpass or PGPASSWORD.

Backup:
  pg_dump --format=custom --no-owner --no-privileges --file=%s %s

Restore into an empty database, then bring the schema up to date:
  pg_restore --clean --if-exists --no-owner --no-privileges --dbname=%s %s
  coopol migrate

Uploaded media (media.path) are not in the database: copy that folder too.
`, outArg, shown, shown, inArg)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
