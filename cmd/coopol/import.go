package main

// `coopol import elections`: official results per polling station, for a
// section's territorial targeting (issue 8). The web dashboard will offer
// the same import through elections.Import.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/elections"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

func newImportCommand(load func() (config.Config, *slog.Logger, error), openStore func(context.Context, config.Config) (*storage.Storage, error)) *cobra.Command {
	importCmd := &cobra.Command{Use: "import", Short: "Import data into the instance"}

	var (
		section, contoursPath, label string
		round                        int
		communes                     []string
		replace                      bool
	)
	electionsCmd := &cobra.Command{
		Use:   "elections FILE",
		Short: "Import official election results per polling station (résultats par bureau de vote)",
		Long: `Import the official results of one election round per polling station, as the
Ministry of the Interior publishes them: ';'-separated text, UTF-8 or Latin-1
(a file that is not valid UTF-8 is read as Latin-1), columns found by name.

The import is all or nothing: a bad row stops it with the line and the column
to fix, and nothing is stored. A label the section already has is refused
unless --replace is given, which replaces that election's figures (it keeps
its id, so links to it still work).

The data is the section's own: only its secretaries and moderators see it, it
is never federated nor shown on public pages.`,
		Example: `  coopol import elections --section section resultats-burvot-t1.txt \
      --contours contours-bureaux.geojson --label "Présidentielle 2022 T1"
  coopol import elections --commune 69123 resultats-france-entiere.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, log, err := load()
			if err != nil {
				return err
			}
			path := args[0]
			// Files first: a typo should not wait for the database.
			results, err := os.Open(path)
			if err != nil {
				return fmt.Errorf("results file: %w", err)
			}
			defer results.Close()
			var contours io.Reader
			if contoursPath != "" {
				f, err := os.Open(contoursPath)
				if err != nil {
					return fmt.Errorf("contours file: %w", err)
				}
				defer f.Close()
				contours = f
			}
			if label == "" {
				label = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
			}
			if !cmd.Flags().Changed("round") {
				round = elections.GuessRound(label)
			}

			ctx := cmd.Context()
			store, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer store.Close()
			sec, err := importSection(ctx, cfg, store, log, section)
			if err != nil {
				return err
			}

			progress, done := progressBar(cmd.ErrOrStderr(), "Importing polling stations", false)
			report, err := elections.Import(ctx, store, results, contours, elections.ImportOptions{
				SectionID: sec.ID, Label: label, Round: round, SourceName: filepath.Base(path),
				Communes: communes, Replace: replace, Progress: progress,
			})
			done(err == nil)
			var pe *elections.ParseError
			switch {
			case errors.Is(err, elections.ErrElectionExists):
				return fmt.Errorf("%w: use --replace to replace its figures, or choose another --label", err)
			case errors.As(err, &pe):
				return fmt.Errorf("%s: %w; nothing was imported", filepath.Base(path), err)
			case err != nil:
				return fmt.Errorf("%w; nothing was imported", err)
			}
			printReport(cmd.OutOrStdout(), sec, report, contours != nil)
			return nil
		},
	}
	f := electionsCmd.Flags()
	f.StringVar(&section, "section", "", "username of the section importing the results (default: the configured section.username)")
	f.StringVar(&contoursPath, "contours", "", "GeoJSON file of the polling stations' contours (FeatureCollection, longitude/latitude)")
	f.StringVar(&label, "label", "", `name of the election, unique in the section, e.g. "Présidentielle 2022 T1" (default: the file name)`)
	f.IntVar(&round, "round", 0, "round: 1, 2, or 0 when unknown (default: read from the label, \"T1\", \"2e tour\"...)")
	f.StringSliceVar(&communes, "commune", nil, "keep only this commune (INSEE code, e.g. 69123); repeat or separate with commas")
	f.BoolVar(&replace, "replace", false, "replace the figures of an election already imported under this label")

	importCmd.AddCommand(electionsCmd, newImportAddressesCommand(load, openStore))
	return importCmd
}

// importSection finds the local section the results are for.
func importSection(ctx context.Context, cfg config.Config, store *storage.Storage, log *slog.Logger, username string) (*model.Account, error) {
	if username == "" {
		username = cfg.Section.Username
	}
	username = strings.TrimPrefix(username, "@")
	account, err := store.LocalAccount(ctx, username)
	if errors.Is(err, storage.ErrNotFound) && strings.EqualFold(username, cfg.Section.Username) {
		// An import before the server ever started: create the section's
		// actor as the first `coopol serve` would.
		if err := social.New(cfg, store, nil, log).EnsureInstanceActors(ctx); err != nil {
			return nil, err
		}
		account, err = store.LocalAccount(ctx, username)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("no local section @%s", username)
	} else if err != nil {
		return nil, err
	}
	group, err := store.GroupByAccountID(ctx, account.ID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && group.Kind != "section") {
		return nil, fmt.Errorf("@%s is not a section", username)
	} else if err != nil {
		return nil, err
	}
	return account, nil
}

// progressBar draws a bar on w when it is a terminal, and nothing when it
// is a file or a pipe (logs, cron). done clears the bar on failure so that
// the error reads cleanly.
func progressBar(w io.Writer, description string, inBytes bool) (progress func(done, total int), done func(ok bool)) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func(bool) {}
	}
	var bar *progressbar.ProgressBar
	progress = func(n, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(f),
				progressbar.OptionSetDescription(description), progressbar.OptionShowCount(), progressbar.OptionShowBytes(inBytes),
				progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond))
		}
		bar.Set(n) //nolint:errcheck // a bar that fails to draw is no reason to stop
	}
	done = func(ok bool) {
		if bar == nil {
			return
		}
		if ok {
			bar.Finish() //nolint:errcheck
		} else {
			bar.Clear() //nolint:errcheck
		}
		fmt.Fprintln(f)
	}
	return progress, done
}

func printReport(w io.Writer, section *model.Account, r *elections.ImportReport, withContours bool) {
	e := r.Election
	round := ""
	if e.Round > 0 {
		round = fmt.Sprintf(" (round %d)", e.Round)
	}
	fmt.Fprintf(w, "Imported %q%s for @%s: %d polling stations in %d commune(s), file read as %s.\n",
		e.Label, round, section.Username, r.Stations, r.Communes, r.Encoding)
	if r.Skipped > 0 {
		fmt.Fprintf(w, "Left out %d rows of other communes.\n", r.Skipped)
	}
	if !withContours {
		return
	}
	fmt.Fprintf(w, "Contours: %d of %d stations have a shape.\n", r.Shaped, r.Stations)
	if len(r.Unshaped) > 0 {
		fmt.Fprintf(w, "Warning: no contour for %d station(s): %s\n", len(r.Unshaped), someKeys(r.Unshaped))
	}
	if len(r.UnmatchedContours) > 0 {
		fmt.Fprintf(w, "Warning: %d contour(s) of these communes match no station in the results: %s\n", len(r.UnmatchedContours), someKeys(r.UnmatchedContours))
	}
}

func someKeys(keys []string) string {
	if len(keys) > 10 {
		return strings.Join(keys[:10], ", ") + fmt.Sprintf("... (%d more)", len(keys)-10)
	}
	return strings.Join(keys, ", ")
}
