// Command coopol is the whole server: one binary with subcommands to serve,
// migrate and administer an instance.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/server"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "0.1.0-dev"

func main() {
	if err := newRootCommand(os.Stdout, os.Stderr).Execute(); err != nil {
		os.Exit(1)
	}
}

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	var configPath string
	root := &cobra.Command{
		Use:           "coopol",
		Short:         "Coopol: a federated social network for a political organisation's sections",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&configPath, "config", "", "YAML configuration file (default: embedded defaults; COOPOL_* variables override)")

	load := func() (config.Config, *slog.Logger, error) {
		cfg, err := config.Load(configPath, os.Environ())
		if err != nil {
			return cfg, nil, err
		}
		return cfg, newLogger(cfg.Log, stderr), nil
	}
	openStore := func(ctx context.Context, cfg config.Config) (*storage.Storage, error) {
		store, err := storage.Open(ctx, cfg.Database)
		if err != nil {
			return nil, err
		}
		if err := store.Migrate(ctx); err != nil {
			store.Close()
			return nil, err
		}
		return store, nil
	}

	serve := &cobra.Command{
		Use:   "serve",
		Short: "Run the server (migrates the database first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := load()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			store, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer store.Close()
			srv, err := server.New(ctx, cfg, store, log, server.Options{})
			if err != nil {
				return err
			}
			server.TuneGC()
			ln, err := net.Listen("tcp", cfg.Bind)
			if err != nil {
				return fmt.Errorf("listen on %s (bind): %w", cfg.Bind, err)
			}
			if addr := cfg.Debug.PprofAddress; addr != "" {
				pln, err := net.Listen("tcp", addr)
				if err != nil {
					ln.Close()
					return fmt.Errorf("listen on %s (debug.pprof_address): %w", addr, err)
				}
				go server.ServePprof(ctx, pln, log) //nolint:errcheck // logged by the listener's end
			}
			log.Info("coopol listening", "bind", cfg.Bind, "url", cfg.BaseURL(), "database", cfg.Database.Type, "version", Version)
			return srv.Serve(ctx, ln)
		},
	}

	migrateCmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, store, err := openConfigured(cmd.Context(), load, openStore)
			if err != nil {
				return err
			}
			defer store.Close()
			log.Info("database is up to date", "database", cfg.Database.Type)
			return nil
		},
	}

	version := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintf(cmd.OutOrStdout(), "coopol %s\n", Version) },
	}

	admin := &cobra.Command{Use: "admin", Short: "Administer the instance"}
	accountCmd := &cobra.Command{Use: "account", Short: "Manage local accounts"}
	var in social.NewUser
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a local account (approved at once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, store, err := openConfigured(cmd.Context(), load, openStore)
			if err != nil {
				return err
			}
			defer store.Close()
			svc := social.New(cfg, store, nil, log)
			if err := svc.EnsureInstanceActors(cmd.Context()); err != nil {
				return err
			}
			in.Approved = true
			user, err := svc.CreateUser(cmd.Context(), in)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created @%s (%s)\n", user.Account.Username, user.Role)
			return nil
		},
	}
	create.Flags().StringVar(&in.Username, "username", "", "username (letters, digits, _)")
	create.Flags().StringVar(&in.Email, "email", "", "e-mail address")
	create.Flags().StringVar(&in.Password, "password", "", "password (at least 8 characters)")
	create.Flags().StringVar(&in.Role, "role", "member", "admin, moderator, member or sympathisant")
	create.Flags().StringVar(&in.DisplayName, "display-name", "", "name shown on the profile")
	for _, f := range []string{"username", "email", "password"} {
		create.MarkFlagRequired(f) //nolint:errcheck
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List local accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, _, store, err := openConfigured(cmd.Context(), load, openStore)
			if err != nil {
				return err
			}
			defer store.Close()
			users, err := store.ListUsers(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "USERNAME\tROLE\tAPPROVED\tCREATED")
			for _, u := range users {
				fmt.Fprintf(w, "%s\t%s\t%t\t%s\n", u.Account.Username, u.Role, u.Approved, u.CreatedAt.Format("2006-01-02"))
			}
			return w.Flush()
		},
	}
	accountCmd.AddCommand(create, list)
	accountCmd.AddCommand(newAccountExportCommand(load, openStore), newAccountDeleteCommand(load, openStore))
	admin.AddCommand(accountCmd)
	admin.AddCommand(newBackupCommand(load), newRestoreCommand(load, openStore))
	admin.AddCommand(newRepairCountersCommand(load, openStore))
	admin.AddCommand(newElectionsCommand(load, openStore))
	root.AddCommand(serve, migrateCmd, admin, version)
	root.AddCommand(newImportCommand(load, openStore))
	requireSubcommands(root)
	return root
}

// requireSubcommands makes every parent command below the root fail on an
// unknown or missing subcommand. Cobra only does this for the root: a nested
// parent such as "admin" prints its help and exits 0 on "admin bogus", which
// lets a typo in a cron job or a deployment script pass for success.
func requireSubcommands(parent *cobra.Command) {
	for _, cmd := range parent.Commands() {
		if !cmd.HasSubCommands() {
			continue
		}
		requireSubcommands(cmd)
		if cmd.Runnable() {
			continue
		}
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			cmd.SetOut(cmd.ErrOrStderr())
			cmd.Usage() //nolint:errcheck // best effort: the error below is what counts
			if len(args) == 0 {
				return fmt.Errorf("%q needs a subcommand", cmd.CommandPath())
			}
			return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
		}
	}
}

func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.Level)) //nolint:errcheck // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
