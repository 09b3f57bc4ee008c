package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/coopol/coopol/storage"
)

// newElectionsCommand lists and deletes the section's imported elections
// (the web page does the same for staff, with a confirm step). Deleting
// an election erases its results; polling stations, addresses and the
// actions that target them stay.
func newElectionsCommand(load configLoader, openStore storeOpener) *cobra.Command {
	cmd := &cobra.Command{Use: "elections", Short: "List or delete the section's imported elections"}
	withSection := func(cmd *cobra.Command, fn func(store *storage.Storage, sectionID string) error) error {
		cfg, _, store, err := openConfigured(cmd.Context(), load, openStore)
		if err != nil {
			return err
		}
		defer store.Close()
		section, err := store.LocalAccount(cmd.Context(), cfg.Section.Username)
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("no section @%s yet: nothing was imported", cfg.Section.Username)
		} else if err != nil {
			return err
		}
		return fn(store, section.ID)
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the imported elections (id, label, stations)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withSection(cmd, func(store *storage.Storage, sectionID string) error {
				es, err := store.Elections(cmd.Context(), sectionID)
				if err != nil {
					return err
				}
				for _, e := range es {
					fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%d station(s)\n", e.ID, e.Label, e.StationCount)
				}
				return nil
			})
		},
	}
	del := &cobra.Command{
		Use:   "delete ELECTION_ID",
		Short: "Delete an imported election and its results",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withSection(cmd, func(store *storage.Storage, sectionID string) error {
				if err := store.DeleteElection(cmd.Context(), sectionID, args[0]); errors.Is(err, storage.ErrNotFound) {
					return fmt.Errorf("no election %s in this section", args[0])
				} else if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "deleted election %s\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(list, del)
	return cmd
}
