package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newRepairCountersCommand recomputes the account counters the database
// keeps by triggers (statuses, followers, following, last status). They
// only drift if someone edits the tables by hand or restores part of a
// backup; the command is safe to run on a live instance.
func newRepairCountersCommand(load configLoader, openStore storeOpener) *cobra.Command {
	return &cobra.Command{
		Use:   "repair-counters",
		Short: "Recompute every account's statuses, followers and following counters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, _, store, err := openConfigured(cmd.Context(), load, openStore)
			if err != nil {
				return err
			}
			defer store.Close()
			fixed, err := store.RepairAccountStats(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d account(s) had wrong counters; repaired\n", fixed)
			return nil
		},
	}
}
