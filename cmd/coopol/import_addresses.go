package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/elections"
	"github.com/coopol/coopol/storage"
)

func newImportAddressesCommand(load func() (config.Config, *slog.Logger, error), openStore func(context.Context, config.Config) (*storage.Storage, error)) *cobra.Command {
	var (
		section  string
		communes []string
	)
	cmd := &cobra.Command{
		Use:   "addresses FILE",
		Short: "Import the address file of the polling stations (Répertoire électoral unique) for door to door",
		Long: `Import which addresses vote in which polling station, with the number of
electors at each, from INSEE's public extract of the Répertoire électoral
unique ("bureaux de vote et adresses de leurs électeurs"): ','-separated,
UTF-8 or Latin-1, columns found by name (code_commune_ref, id_brut_bv_reu,
geo_adresse, nb_adresses; longitude and latitude when present).

The national file is large: it is read as a stream and only the rows of the
communes given with --commune are kept, in bounded memory. The import is all
or nothing: a bad row stops it with the line and the column to fix, and
nothing is stored. Importing a commune again replaces its addresses; the
turfs of actions already made keep theirs.

The data is the section's own: only its staff and, for their own turf, the
volunteers of an action see it; it is never federated nor shown on public
pages.`,
		Example: `  coopol import addresses --commune 99350 adresses-bureaux-reu.csv`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, log, err := load()
			if err != nil {
				return err
			}
			path := args[0]
			file, err := os.Open(path)
			if err != nil {
				return fmt.Errorf("address file: %w", err)
			}
			defer file.Close()
			info, err := file.Stat()
			if err != nil {
				return fmt.Errorf("address file: %w", err)
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

			// The bar follows the bytes read: with a national file filtered
			// to one commune, rows kept say little about how far it is.
			progress, done := progressBar(cmd.ErrOrStderr(), "Reading addresses", true)
			var in io.Reader = file
			if progress != nil {
				in = &readProgress{r: file, total: int(info.Size()), progress: progress}
			}
			report, err := elections.ImportAddresses(ctx, store, in, elections.AddressImportOptions{SectionID: sec.ID, Communes: communes})
			done(err == nil)
			var pe *elections.ParseError
			switch {
			case errors.As(err, &pe):
				return fmt.Errorf("%s: %w; nothing was imported", filepath.Base(path), err)
			case err != nil:
				return fmt.Errorf("%w; nothing was imported", err)
			}
			log.Info("addresses imported", "section", sec.Username, "addresses", report.Addresses, "stations", report.Stations)
			fmt.Fprintf(cmd.OutOrStdout(), "Imported %d addresses (%d electors) in %d polling station(s) of %d commune(s) for @%s, file read as %s.\n",
				report.Addresses, report.Electors, report.Stations, report.Communes, sec.Username, report.Encoding)
			if report.Skipped > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "Left out %d rows of other communes.\n", report.Skipped)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&section, "section", "", "username of the section importing the addresses (default: the configured section.username)")
	f.StringSliceVar(&communes, "commune", nil, "keep only this commune (INSEE code, e.g. 69123); repeat or separate with commas")
	return cmd
}

// readProgress reports how many bytes were read.
type readProgress struct {
	r        io.Reader
	n, total int
	progress func(done, total int)
}

func (p *readProgress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += n
	p.progress(p.n, p.total)
	return n, err
}
