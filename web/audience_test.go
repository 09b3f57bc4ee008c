package web_test

import (
	"testing"

	"github.com/coopol/coopol/coopoltest"
)

// TestMembersOnlyReplyFormOffersNoOtherChoice (P-15): the reply form of a
// members-only post has no visibility menu, only the group's audience,
// and the section page offers no "Rejoindre" (a section is not joined).
func TestMembersOnlyReplyFormOffersNoOtherChoice(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		w := newWorld(t, inst)
		bob := newBrowser(t, inst)
		bob.login("bob")
		r := bob.get("/@alice/" + w.members.ID)
		mustContain(t, r, membersText, `<input type="hidden" name="visibility" value="members">`, "Réponse réservée aux membres du groupe")
		mustNotContain(t, r, `id="compose-visibility"`)
		// An ordinary post still offers the choice.
		mustContain(t, bob.get("/@alice/"+w.public.ID), `id="compose-visibility"`)

		sam := newBrowser(t, inst)
		sam.login("sam")
		r = sam.get("/@section")
		mustNotContain(t, r, "Rejoindre le groupe", "Demander à rejoindre", "/groups/"+w.section.ID+"/join")
		mustContain(t, r, "On ne demande pas à rejoindre une section")
	})
}
