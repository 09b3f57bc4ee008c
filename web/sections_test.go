package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/coopol/coopol/model"
)

// TestPeopleSearchVisibility: adhérents find each other by name; a
// sympathisant is found only after choosing so (off by default), and
// only by people of this instance; anonymous search finds nobody; a
// sympathisant searching sees only those who chose to be seen.
func TestPeopleSearchVisibility(t *testing.T) {
	inst := start(t)
	ctx := context.Background()
	bruno := createUser(t, inst, "bruno", model.RoleMember)
	createUser(t, inst, "camille", model.RoleMember)
	sacha := createUser(t, inst, "sacha", model.RoleSympathisant)
	names := func(viewer *model.Account, q string) []string {
		t.Helper()
		found, err := inst.Social.SearchDirectory(ctx, viewer, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range found.People {
			out = append(out, p.Username)
		}
		return out
	}
	if got := names(bruno, "camille"); len(got) != 1 || got[0] != "camille" {
		t.Fatalf("a member searching a member: %v", got)
	}
	if got := names(bruno, "sacha"); len(got) != 0 {
		t.Fatalf("a sympathisant found by default: %v", got)
	}
	if got := names(nil, "camille"); len(got) != 0 {
		t.Fatalf("anonymous search found people: %v", got)
	}
	if got := names(sacha, "camille"); len(got) != 0 {
		t.Fatalf("a sympathisant found a member who did not choose to be found: %v", got)
	}
	if err := inst.Store.SetDirectoryVisible(ctx, sacha.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := names(bruno, "sach"); len(got) != 1 || got[0] != "sacha" {
		t.Fatalf("a sympathisant who chose to be found: %v", got)
	}
	b := newBrowser(t, inst)
	if r := b.get("/search?q=sacha"); r.Status != 200 || strings.Contains(r.Body, "@sacha") {
		t.Fatalf("anonymous web search shows sacha: %d", r.Status)
	}
}
