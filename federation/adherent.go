package federation

import (
	"context"
	"fmt"

	"github.com/coopol/coopol/federation/ap"
)

// VouchesAdherent asks a person's own server whether it vouches for them
// as a verified adherent: a signed fetch of their actor document from its
// origin, read fresh at each Join (a verification can be withdrawn). Only
// servers configured as the party's sections are asked; anyone else's
// word is not taken (social.AdherentChecker).
func (f *Federation) VouchesAdherent(ctx context.Context, actorURI string) (bool, error) {
	if !f.social.IsPartySection(ap.Host(actorURI)) {
		return false, nil
	}
	doc, err := f.get(ctx, actorURI)
	if err != nil {
		return false, err
	}
	if ap.Str(doc, "id") != actorURI {
		return false, fmt.Errorf("actor document of %s names another id", actorURI)
	}
	return ap.VouchesAdherent(doc), nil
}
