package web

import "testing"

// Issue 16: French that reads right, through the catalog's plural rules
// and elided forms rather than string concatenation.
func TestFrenchPluralsAndElision(t *testing.T) {
	c, err := newCatalog("fr")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		got, want string
	}{
		{c.N("fr", "gauge.action", 0, "Need", 3), "0 inscrit·e sur 3 nécessaires"},
		{c.N("fr", "gauge.action", 1, "Need", 3), "1 inscrit·e sur 3 nécessaires"},
		{c.N("fr", "gauge.action", 2, "Need", 3), "2 inscrit·es sur 3 nécessaires"},
		{c.N("fr", "gauge.event", 1, "Capacity", 40), "1 participant·e sur 40 places"},
		{c.N("fr", "notif.group.coopol_action_signup", 1), "et 1 autre se sont inscrit·es"},
		{c.N("fr", "notif.group.coopol_action_signup", 3), "et 3 autres se sont inscrit·es"},
		{c.N("fr", "nav.unread_messages", 2), "conversations non lues"},
		{c.Name("fr", "notif.message_from", "Aline"), "Message d’Aline"},
		{c.Name("fr", "notif.message_from", "Élodie"), "Message d’Élodie"},
		{c.Name("fr", "notif.message_from", "Yves"), "Message d’Yves"},
		{c.Name("fr", "notif.message_from", "Yasmine"), "Message de Yasmine"},
		{c.Name("fr", "notif.message_from", "Bruno"), "Message de Bruno"},
		{c.Name("fr", "notif.message_from", "Hugo"), "Message de Hugo"},
		{c.Name("en", "notif.message_from", "Aline"), "Message from Aline"},
		{c.N("en", "gauge.action", 1, "Need", 3), "1 signed up of 3 needed"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
