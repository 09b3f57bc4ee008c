package web

import (
	"testing"

	"github.com/coopol/coopol/model"
)

// Issue 16: "où est le point de rendez-vous ?" — an address opens a map.
func TestMapLinks(t *testing.T) {
	lat, lon, zero := 44.4081, 0.7044, 0.0
	geo, osm := mapLinks(&model.Event{Latitude: &lat, Longitude: &lon, StreetAddress: "Place de la Libération"})
	if geo != "geo:44.4081,0.7044" || osm != "https://www.openstreetmap.org/?mlat=44.4081&mlon=0.7044#map=18/44.4081/0.7044" {
		t.Errorf("with coordinates: %q %q", geo, osm)
	}
	// No coordinates (or the 0,0 of a missing geocode): a search for the
	// address text, escaped, and no geo: URI.
	for _, ev := range []*model.Event{
		{StreetAddress: "12 rue de Pujols & co", PostalCode: "47300", Locality: "Villeneuve-sur-Lot"},
		{StreetAddress: "12 rue de Pujols & co", PostalCode: "47300", Locality: "Villeneuve-sur-Lot", Latitude: &zero, Longitude: &zero},
	} {
		geo, osm = mapLinks(ev)
		if geo != "" || osm != "https://www.openstreetmap.org/search?query=12+rue+de+Pujols+%26+co+47300+Villeneuve-sur-Lot" {
			t.Errorf("without coordinates: %q %q", geo, osm)
		}
	}
	geo, osm = mapLinks(&model.Event{PlaceName: "Marché couvert", Locality: "Lyon"})
	if geo != "" || osm != "https://www.openstreetmap.org/search?query=March%C3%A9+couvert+Lyon" {
		t.Errorf("place name only: %q %q", geo, osm)
	}
	if geo, osm = mapLinks(&model.Event{OnlineURL: "https://visio.example"}); geo != "" || osm != "" {
		t.Errorf("online event: %q %q", geo, osm)
	}
}

// Issue 16: elision and articles, not concatenation.
func TestFrenchNames(t *testing.T) {
	for in, want := range map[string]string{"Aline": "d’Aline", "Bruno": "de Bruno", "Élodie": "d’Élodie", "Hélène": "d’Hélène",
		"la Section de Villeneuve": "de la Section de Villeneuve", "le groupe École": "du groupe École", "": ""} {
		if got := frDe(in); got != want {
			t.Errorf("de %q = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"Section de Villeneuve": "la Section de Villeneuve", "École publique": "le groupe École publique",
		"Collectif santé": "le Collectif santé", "Équipe verte": "l’Équipe verte", "Atelier vélo": "l’Atelier vélo", "": ""} {
		if got := frGroup(in); got != want {
			t.Errorf("le %q = %q, want %q", in, got, want)
		}
	}
	c, err := newCatalog("fr")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ id, arg, name, want string }{
		{"status.title", "Name", "Aline", "Message d’Aline"},
		{"status.title", "Name", "Bruno", "Message de Bruno"},
		{"notif.coopol_group_join_request", "Group", "Section de Villeneuve", "demande à rejoindre la Section de Villeneuve"},
		{"signup.intro", "Section", "Section de Villeneuve", "Rejoignez le réseau de la Section de Villeneuve : suivez la section, ses groupes et ses actions."},
	} {
		if got := c.T("fr", tc.id, tc.arg, tc.name); got != tc.want {
			t.Errorf("%s(%s) = %q, want %q", tc.id, tc.name, got, tc.want)
		}
	}
	if got := c.T("fr", "elections.round_n", "N", 1); got != "1er tour" {
		t.Errorf("round 1: %q", got)
	}
	if got := c.T("fr", "elections.round_n", "N", 2); got != "2ᵉ tour" {
		t.Errorf("round 2: %q", got)
	}
	for n, want := range map[int]string{0: "0 inscrit·e sur 3 nécessaires", 1: "1 inscrit·e sur 3 nécessaires", 2: "2 inscrit·es sur 3 nécessaires"} {
		if got := c.N("fr", "gauge.action", n, "Need", 3); got != want {
			t.Errorf("gauge %d: %q", n, got)
		}
	}
}
