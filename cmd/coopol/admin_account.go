package main

// `coopol admin account export` and `coopol admin account delete`: a
// member's data rights (GDPR), for the section's administrator to carry
// out on request. Members can do both themselves through the API
// (GET /api/v1/coopol/export, POST /api/v1/coopol/account/delete).

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/queue"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

func newAccountExportCommand(load configLoader, openStore storeOpener) *cobra.Command {
	var username, output string
	var force bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export a member's data as a JSON archive (profile, posts, follows, groups, sign-ups)",
		Long: `Write everything a local member put on the instance to a JSON file: profile,
login details (never the password), posts, follows, group memberships, event
sign-ups, likes, bookmarks, lists and media descriptions. Nothing private of
anyone else is in it. The file is readable by its owner only; "-" writes to
standard output.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, store, err := openConfigured(cmd.Context(), load, openStore)
			if err != nil {
				return err
			}
			defer store.Close()
			account, err := personByUsername(store, cmd, username)
			if err != nil {
				return err
			}
			archive, err := social.New(cfg, store, nil, log).ExportAccount(cmd.Context(), account)
			if err != nil {
				return err
			}
			body, err := json.MarshalIndent(archive, "", "  ")
			if err != nil {
				return err
			}
			body = append(body, '\n')
			if output == "-" {
				_, err := cmd.OutOrStdout().Write(body)
				return err
			}
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(output, flags, 0o600)
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s exists: choose another file, or add --force to replace it", output)
			} else if err != nil {
				return err
			}
			if _, err := f.Write(body); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported @%s to %s: %d posts, %d groups, %d sign-ups\n",
				account.Username, output, len(archive.Statuses), len(archive.Groups), len(archive.SignUps))
			return nil
		},
	}
	cmd.Flags().StringVar(&username, "username", "", "the member's username")
	cmd.Flags().StringVar(&output, "output", "", `file to write ("-" for standard output)`)
	cmd.Flags().BoolVar(&force, "force", false, "replace --output if it exists")
	cmd.MarkFlagRequired("username") //nolint:errcheck
	cmd.MarkFlagRequired("output")   //nolint:errcheck
	return cmd
}

func newAccountDeleteCommand(load configLoader, openStore storeOpener) *cobra.Command {
	var username string
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete a member's account and their data, and tell the servers that knew them",
		Long: `Delete a local member's account for good: posts, media, group memberships,
event sign-ups (their place goes to the next person waiting), follows, likes,
lists, notifications, login, sessions and tokens. Only a tombstone stays, so
that nobody can take the username (and with it the account's address).

Every server that knew the member receives a Delete of the account: a running
server sends it at once, otherwise it goes out at the next start.

Export the member's data first if they asked for it. You are asked to type the
username again, unless --yes is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, store, err := openConfigured(cmd.Context(), load, openStore)
			if err != nil {
				return err
			}
			defer store.Close()
			account, err := personByUsername(store, cmd, username)
			if err != nil {
				return err
			}
			if !yes {
				if err := confirmUsername(cmd, account.Username); err != nil {
					return err
				}
			}
			q, err := queue.New(store, nil, queue.Options{Logger: log.With("component", "queue")})
			if err != nil {
				return err
			}
			sum, err := social.New(cfg, store, q, log).DeleteAccount(cmd.Context(), account)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted @%s: %d posts, %d media, %d memberships, %d sign-ups, %d follows; Delete queued for %d servers\n",
				account.Username, sum.Statuses, sum.Media, sum.Memberships, sum.SignUps, sum.Follows, sum.Servers)
			return nil
		},
	}
	cmd.Flags().StringVar(&username, "username", "", "the member's username")
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation")
	cmd.MarkFlagRequired("username") //nolint:errcheck
	return cmd
}

// personByUsername finds a local person (not a group, not the instance
// actor, not an account already deleted).
func personByUsername(store *storage.Storage, cmd *cobra.Command, username string) (*model.Account, error) {
	account, err := store.LocalAccount(cmd.Context(), username)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && account.ActorType != model.ActorPerson) {
		return nil, fmt.Errorf("no local member @%s", username)
	} else if err != nil {
		return nil, err
	}
	if account.GoneAt != nil {
		return nil, fmt.Errorf("@%s was deleted on %s", username, account.GoneAt.Format("2006-01-02"))
	}
	return account, nil
}

func confirmUsername(cmd *cobra.Command, username string) error {
	f, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return errors.New("this cannot be undone: add --yes to confirm")
	}
	fmt.Fprintf(cmd.OutOrStdout(), "This deletes @%s and their data for good. Type the username to confirm: ", username)
	line, _ := bufio.NewReader(f).ReadString('\n')
	if strings.TrimSpace(line) != username {
		return errors.New("not confirmed: nothing was deleted")
	}
	return nil
}
